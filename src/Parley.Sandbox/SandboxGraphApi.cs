using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Parley.Sandbox;

/// <summary>
/// The Cloud API's send endpoint, <c>POST /{version}/{phone-number-id}/messages</c>, with Meta's
/// validation, response and error shapes, limits, and asynchronous outcomes as status webhooks.
/// </summary>
public static partial class SandboxGraphApi
{
    private static readonly string[] Types = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive", "template", "reaction"];

    public static RouteGroupBuilder MapSandboxGraph(this RouteGroupBuilder sandbox)
    {
        var graph = sandbox.MapGroup("/graph");
        graph.MapPost("/{version:regex(^v\\d+\\.\\d+$)}/{phoneNumberId}/messages", SendAsync);
        graph.MapPost("/{phoneNumberId:regex(^\\d+$)}/messages", SendAsync);
        SandboxMedia.MapSandboxMedia(graph);
        graph.MapSandboxTemplates();
        graph.MapSandboxNumbers();
        graph.MapSandboxProfile();
        return sandbox;
    }

    /// <summary><c>GET /{phone-number-id}</c>; the media lookup hands number ids here.</summary>
    private static async Task<IResult> SendAsync(
        string phoneNumberId, HttpRequest request, SandboxState state, SandboxTemplates templates, SandboxLimits limits,
        SandboxWebhooks webhooks, IOptions<SandboxOptions> options, SandboxMedia media, CancellationToken ct)
    {
        var arrived = limits.Now(); // WhatsApp counts a message when it arrives, not when it has been checked
        if (SandboxGraphErrors.AuthorizeNumber(request, state, phoneNumberId, out var number) is { } refused)
        {
            return refused;
        }

        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            return Error(100, "Invalid parameter", "The request body is not a JSON object.");
        }

        if (Text(body, "messaging_product") != "whatsapp")
        {
            return Error(100, "The parameter messaging_product is required.", "Param messaging_product must be 'whatsapp'.");
        }

        if (Text(body, "status") == "read")
        {
            return MarkRead(body, state);
        }

        var to = body["to"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        var waId = to is null ? "" : new string(to.Where(char.IsAsciiDigit).ToArray());
        if (waId.Length is < 6 or > 15)
        {
            return Error(100, "Invalid parameter", "Param to must be the recipient's phone number in international format.");
        }

        var type = Text(body, "type") ?? "text";
        if (!Types.Contains(type))
        {
            return Error(100, "Invalid parameter", $"Param type must be one of {{{string.Join(", ", Types)}}}.");
        }

        SandboxTemplate? template = null;
        if (type == "contacts")
        {
            if (body["contacts"] is not JsonArray { Count: > 0 } cards || cards.Any(c => Text(c?["name"] as JsonObject, "formatted_name") is null))
            {
                return Error(100, "Invalid parameter", "Param contacts must be a non-empty array; each contact needs name['formatted_name'].");
            }
        }
        else if (body[type] is not JsonObject content)
        {
            return Error(100, "Invalid parameter", $"Param {type} is required for a message of type {type}.");
        }
        else if ((Validate(type, content, templates, out template) ?? media.CheckSendable(phoneNumberId, type, content)) is { } invalid)
        {
            return invalid;
        }

        if (limits.Check(arrived, phoneNumberId, waId, options.Value.Throughput, options.Value.PairBurst, options.Value.PairWindow) is { } limit)
        {
            return limit == 130429
                ? Error(130429, "Rate limit hit", "Cloud API message throughput has been reached.", subcode: 2494055)
                : Error(131056, "(Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.");
        }

        var customer = state.Customer(waId);
        var now = state.Clock.GetUtcNow().UtcDateTime;
        var message = new SandboxMessage
        {
            Id = SandboxState.NewWamid(),
            PhoneNumberId = phoneNumberId,
            CustomerWaId = waId,
            Direction = "outbound",
            Type = type,
            Payload = body,
            At = now,
            CallbackData = Text(body, "biz_opaque_callback_data"),
        };
        state.Add(message);
        ScheduleOutcome(number!, customer, message, template, webhooks, state, options.Value);

        var accepted = new JsonObject { ["id"] = message.Id };
        if (template is not null)
        {
            accepted["message_status"] = "accepted";
        }

        return Results.Json(new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = waId }),
            ["messages"] = new JsonArray(accepted),
        });
    }

    /// <summary>What WhatsApp reports afterwards: failures that only show up asynchronously, or sent → delivered → read.</summary>
    private static void ScheduleOutcome(SandboxNumber number, SandboxCustomer customer, SandboxMessage message, SandboxTemplate? template, SandboxWebhooks webhooks, SandboxState state, SandboxOptions options)
    {
        var windowOpen = customer.LastInbound.TryGetValue(number.PhoneNumberId, out var last) && state.Clock.GetUtcNow().UtcDateTime - last < TimeSpan.FromHours(24);
        (int Code, string Title, string Details)? failure =
            !customer.HasWhatsApp ? (131026, "Message undeliverable", "Message Undeliverable.")
            : template is null && !windowOpen ? (131047, "Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number.")
            : template?.Category == "MARKETING" && customer.MarketingStopped ? (131050, "User has stopped marketing messages", "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.")
            : null;

        var category = template?.Category.ToLowerInvariant() ?? "service";
        var pricing = new JsonObject
        {
            ["billable"] = template is not null && !(windowOpen && category == "utility"),
            ["pricing_model"] = "PMP",
            ["category"] = category,
            ["type"] = template is null || (windowOpen && category == "utility") ? "free_customer_service" : "regular",
        };

        if (failure is { } f)
        {
            webhooks.Send(Status(state, number, message, "failed", f), TimeSpan.FromMilliseconds(50), () => state.SetStatus(message, "failed", f.Code));
            return;
        }

        webhooks.Send(Status(state, number, message, "sent", null, pricing), TimeSpan.FromMilliseconds(20), () => state.SetStatus(message, "sent"));
        if (message.Type == "reaction")
        {
            return; // Reactions only ever report sent.
        }

        webhooks.Send(Status(state, number, message, "delivered", null, (JsonObject)pricing.DeepClone()), options.DeliveryDelay, () => state.SetStatus(message, "delivered"));
        if (options.ReadDelay >= TimeSpan.Zero)
        {
            webhooks.Send(Status(state, number, message, "read"), options.DeliveryDelay + options.ReadDelay, () => state.SetStatus(message, "read"));
        }
    }

    private static JsonObject Status(SandboxState state, SandboxNumber number, SandboxMessage message, string status, (int Code, string Title, string Details)? error = null, JsonObject? pricing = null)
    {
        var item = new JsonObject
        {
            ["id"] = message.Id,
            ["status"] = status,
            ["timestamp"] = state.Clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["recipient_id"] = message.CustomerWaId,
        };
        if (message.CallbackData is not null)
        {
            item["biz_opaque_callback_data"] = message.CallbackData;
        }

        if (pricing is not null)
        {
            item["pricing"] = pricing;
        }

        if (error is { } e)
        {
            item["errors"] = new JsonArray(new JsonObject
            {
                ["code"] = e.Code,
                ["title"] = e.Title,
                ["message"] = e.Title,
                ["error_data"] = new JsonObject { ["details"] = e.Details },
                ["href"] = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            });
        }

        return SandboxWebhooks.Envelope(number, "messages", new JsonObject { ["statuses"] = new JsonArray(item) });
    }

    private static IResult MarkRead(JsonObject body, SandboxState state)
    {
        var id = Text(body, "message_id");
        var message = id is null ? null : state.Message(id);
        if (message is null)
        {
            return Error(100, "Invalid parameter", $"Message with id '{id}' was not found.");
        }

        if (message.Direction == "outbound")
        {
            return Error(100, "Invalid parameter", $"Message with id '{id}' is outgoing. Please use an incoming message ID.");
        }

        state.SetStatus(message, "read");
        return Results.Json(new { success = true });
    }

    private static IResult? Validate(string type, JsonObject content, SandboxTemplates templates, out SandboxTemplate? template)
    {
        template = null;
        switch (type)
        {
            case "text":
                var text = Text(content, "body");
                return string.IsNullOrEmpty(text) ? Error(100, "Invalid parameter", "Param text['body'] is required.")
                    : text.Length > 4096 ? Error(100, "Invalid parameter", "Param text['body'] must be at most 4096 characters long.")
                    : null;
            case "image" or "audio" or "video" or "document" or "sticker":
                return (Text(content, "id") is null) == (Text(content, "link") is null)
                    ? Error(100, "Invalid parameter", $"Param {type} must have exactly one of 'id' or 'link'.")
                    : content.ContainsKey("caption") && type is "audio" or "sticker"
                        ? Error(100, "Invalid parameter", $"Param {type}['caption'] is not supported for {type}.")
                        : null;
            case "location":
                return content["latitude"] is JsonValue && content["longitude"] is JsonValue ? null : Error(100, "Invalid parameter", "Param location requires latitude and longitude.");
            case "reaction":
                return Text(content, "message_id") is null ? Error(100, "Invalid parameter", "Param reaction['message_id'] is required.") : null;
            case "interactive":
                return ValidateInteractive(content);
            case "template":
                return ValidateTemplate(content, templates, out template);
            default:
                return null;
        }
    }

    private static IResult? ValidateInteractive(JsonObject interactive)
    {
        var kind = Text(interactive, "type");
        if (Text(interactive["body"] as JsonObject, "text") is not { Length: > 0 } bodyText)
        {
            return Error(100, "Invalid parameter", "Param interactive['body']['text'] is required.");
        }

        var action = interactive["action"] as JsonObject;
        switch (kind)
        {
            case "button":
                var buttons = action?["buttons"] as JsonArray;
                if (buttons is null || buttons.Count is < 1 or > 3)
                {
                    return Error(100, "Invalid parameter", "Param interactive['action']['buttons'] must have between 1 and 3 buttons.");
                }

                var titles = buttons.Select(b => Text(b?["reply"] as JsonObject, "title") ?? "").ToList();
                return titles.Any(t => t.Length is 0 or > 20) || titles.Distinct().Count() != titles.Count
                    ? Error(100, "Invalid parameter", "Button titles are required, unique and at most 20 characters long.")
                    : bodyText.Length > 1024 ? Error(100, "Invalid parameter", "Param interactive['body']['text'] must be at most 1024 characters long.") : null;
            case "list":
                var sections = action?["sections"] as JsonArray;
                var rows = sections?.Sum(s => (s?["rows"] as JsonArray)?.Count ?? 0) ?? 0;
                return Text(action, "button") is not { Length: > 0 and <= 20 } ? Error(100, "Invalid parameter", "Param interactive['action']['button'] is required and at most 20 characters long.")
                    : rows is < 1 or > 10 ? Error(100, "Invalid parameter", "A list message has between 1 and 10 rows in total.")
                    : sections!.Count > 10 ? Error(100, "Invalid parameter", "A list message has at most 10 sections.") : null;
            case "cta_url":
                var parameters = action?["parameters"] as JsonObject;
                return Text(parameters, "display_text") is not { Length: > 0 and <= 20 } || Text(parameters, "url") is null
                    ? Error(100, "Invalid parameter", "A cta_url message needs action.parameters.display_text (at most 20 characters) and url.")
                    : null;
            default:
                return Error(100, "Invalid parameter", "Param interactive['type'] must be one of {button, list, cta_url, product, product_list, flow, location_request_message}.");
        }
    }

    private static IResult? ValidateTemplate(JsonObject content, SandboxTemplates templates, out SandboxTemplate? template)
    {
        var name = Text(content, "name") ?? "";
        var language = Text(content["language"] as JsonObject, "code") ?? "";
        template = templates.Find(name, language);
        if (template is null || template.Status != "APPROVED")
        {
            return Error(132001, "Template name does not exist in the translation", $"template name ({name}) does not exist in {language}");
        }

        var body = (content["components"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => string.Equals(Text(c, "type"), "body", StringComparison.OrdinalIgnoreCase));
        var given = (body?["parameters"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (given.Count != template.Parameters.Count)
        {
            return Error(132000, "Number of parameters does not match the expected number of params", $"body: number of localizable_params ({given.Count}) does not match the expected number of params ({template.Parameters.Count})");
        }

        var named = given.Any(p => p.ContainsKey("parameter_name"));
        if (named != template.Named || (named && !given.Select(p => Text(p, "parameter_name")).Order(StringComparer.Ordinal).SequenceEqual(template.Parameters.Order(StringComparer.Ordinal))))
        {
            return Error(132012, "Parameter format does not match format in the created template", template.Named
                ? $"This template uses named parameters: {string.Join(", ", template.Parameters)}."
                : "This template uses positional parameters.");
        }

        return null;
    }

    internal static IResult Error(int code, string title, string details, int status = StatusCodes.Status400BadRequest, int? subcode = null) =>
        Results.Json(new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = $"(#{code}) {title}",
                ["type"] = "OAuthException",
                ["code"] = code,
                ["error_data"] = new JsonObject { ["messaging_product"] = "whatsapp", ["details"] = details },
                ["fbtrace_id"] = SandboxGraphErrors.TraceId(),
            }.WithSubcode(subcode),
        }, statusCode: status);

    private static JsonObject WithSubcode(this JsonObject error, int? subcode)
    {
        if (subcode is not null)
        {
            error["error_subcode"] = subcode;
        }

        return error;
    }

    internal static string? Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
