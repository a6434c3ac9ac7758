using System.Text.Json.Nodes;

namespace Parley.Sandbox;

public sealed record InboundResult(string Id, string From, string PhoneNumberId);

/// <summary>
/// The control API for tests and demos: the simulated numbers, a customer writing in, and what the
/// business sent to a customer (without <c>to</c>: to every customer; <c>direction=outbound</c> for sends only).
/// </summary>
public static class SandboxControlApi
{
    public static RouteGroupBuilder MapSandboxControl(this RouteGroupBuilder sandbox)
    {
        var api = sandbox.MapGroup("/api");
        api.MapGet("/numbers", (SandboxState state) => state.Numbers);
        api.MapPost("/inbound", InboundAsync);
        api.MapGet("/messages", (string? to, string? direction, SandboxState state) => state.Conversation(to is null ? null : Digits(to), direction).Select(View));
        api.MapPost("/customers", (CustomerRequest request, SandboxState state) =>
        {
            var customer = state.Customer(Digits(request.WaId ?? ""), request.Name);
            customer.HasWhatsApp = request.HasWhatsApp ?? customer.HasWhatsApp;
            customer.MarketingStopped = request.MarketingStopped ?? customer.MarketingStopped;
            return Results.Ok(new { customer.WaId, customer.Name, customer.HasWhatsApp, customer.MarketingStopped });
        });
        return sandbox;
    }

    public sealed record CustomerRequest(string? WaId, string? Name, bool? HasWhatsApp, bool? MarketingStopped);

    /// <summary>
    /// A customer sends a message: <c>from</c>, optional <c>profileName</c> and <c>phoneNumberId</c>, and the message in Cloud API shape.
    /// An optional <c>writtenAt</c> (Unix seconds, in the past) is a message WhatsApp delivers late — the phone was offline — and
    /// counts for the 24-hour window from then, as on WhatsApp.
    /// </summary>
    private static async Task<IResult> InboundAsync(HttpRequest request, SandboxState state, SandboxMedia media, SandboxWebhooks webhooks, CancellationToken ct)
    {
        if (await JsonNode.ParseAsync(request.Body, cancellationToken: ct) is not JsonObject body)
        {
            return Results.Problem("The body must be a JSON object.", statusCode: 400);
        }

        var from = Digits(SandboxGraphApi.Text(body, "from") ?? "");
        if (from.Length is < 6 or > 15)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["from is the customer's phone number, 6 to 15 digits."] });
        }

        var number = SandboxGraphApi.Text(body, "phoneNumberId") is { } id ? state.Number(id) : state.Numbers[0];
        if (number is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["phoneNumberId"] = ["There is no sandbox number with this id; see GET /sandbox/api/numbers."] });
        }

        var type = SandboxGraphApi.Text(body, "type") ?? "text";
        if (body[type] is not JsonNode content || (type != "contacts" && content is not JsonObject))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { [type] = [$"A message of type {type} needs a '{type}' object, e.g. \"text\":{{\"body\":\"Hallo\"}}."] });
        }

        // A photo, voice note, video, document or sticker: the bytes come as base64 "data" (or a placeholder
        // picture), are kept in the sandbox's media store, and the webhook carries only their id and hash.
        if (type is "image" or "audio" or "video" or "document" or "sticker" && content is JsonObject attachment)
        {
            byte[] bytes;
            try
            {
                bytes = SandboxGraphApi.Text(attachment, "data") is { } data ? Convert.FromBase64String(data) : SandboxMedia.PlaceholderPng;
            }
            catch (FormatException)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { [$"{type}.data"] = ["data must be the file's bytes in base64."] });
            }

            var mime = SandboxGraphApi.Text(attachment, "mime_type") ?? (type == "image" ? "image/png" : "application/octet-stream");
            var stored = media.Add(bytes, mime);
            attachment.Remove("data");
            attachment["id"] = stored.Id;
            attachment["mime_type"] = mime;
            attachment["sha256"] = stored.Sha256;
        }

        var now = state.Clock.GetUtcNow();
        if (body["writtenAt"] is JsonValue writtenAt)
        {
            if (!writtenAt.TryGetValue<long>(out var seconds) || seconds > now.ToUnixTimeSeconds() || seconds < now.AddDays(-30).ToUnixTimeSeconds())
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["writtenAt"] = ["writtenAt is a time in the last 30 days in Unix seconds."] });
            }

            now = DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        var customer = state.Customer(from, SandboxGraphApi.Text(body, "profileName"));
        if (!customer.LastInbound.TryGetValue(number.PhoneNumberId, out var last) || last < now.UtcDateTime)
        {
            customer.LastInbound[number.PhoneNumberId] = now.UtcDateTime;
        }
        var message = new JsonObject
        {
            ["from"] = from,
            ["id"] = SandboxState.NewWamid(),
            ["timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["type"] = type,
            [type] = content.DeepClone(),
        };
        if (body["context"] is JsonObject context)
        {
            message["context"] = context.DeepClone();
        }

        var wamid = message["id"]!.GetValue<string>();
        state.Add(new SandboxMessage
        {
            Id = wamid,
            PhoneNumberId = number.PhoneNumberId,
            CustomerWaId = from,
            Direction = "inbound",
            Type = type,
            Payload = message,
            At = now.UtcDateTime,
            Status = "sent",
        });
        webhooks.Send(SandboxWebhooks.Envelope(number, "messages", new JsonObject
        {
            ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = customer.Name }, ["wa_id"] = from }),
            ["messages"] = new JsonArray(message),
        }));
        return Results.Ok(new InboundResult(wamid, from, number.PhoneNumberId));
    }

    private static object View(SandboxMessage m) => new
    {
        id = m.Id,
        direction = m.Direction,
        phoneNumberId = m.PhoneNumberId,
        type = m.Type,
        status = m.Status,
        errorCode = m.ErrorCode,
        at = m.At,
        message = m.Payload,
    };

    internal static string Digits(string text) => new(text.Where(char.IsAsciiDigit).ToArray());
}
