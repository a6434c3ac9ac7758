using System.Collections.Concurrent;
using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Sandbox;

/// <summary>Each sandbox number's business profile, as the business last set it.</summary>
public sealed class SandboxProfiles
{
    private readonly ConcurrentDictionary<string, JsonObject> profiles = new();

    public JsonObject Get(string phoneNumberId) =>
        (JsonObject)profiles.GetOrAdd(phoneNumberId, _ => new JsonObject { ["about"] = "Sandbox business number", ["vertical"] = "OTHER" }).DeepClone();

    public void Update(string phoneNumberId, JsonObject changes) =>
        profiles.AddOrUpdate(
            phoneNumberId,
            _ => (JsonObject)changes.DeepClone(),
            (_, current) =>
            {
                var updated = (JsonObject)current.DeepClone();
                foreach (var (key, value) in changes)
                {
                    updated[key] = value?.DeepClone();
                }

                return updated;
            });
}

/// <summary>
/// <c>GET/POST /{phone-number-id}/whatsapp_business_profile</c> with Meta's limits: about 1–139
/// characters, address and description at most 256, a valid e-mail of at most 128, at most two
/// http(s) websites, a vertical from Meta's list.
/// </summary>
public static class SandboxProfileApi
{
    public static readonly string[] Verticals =
    [
        "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE", "GROCERY", "GOVT", "HOTEL", "HEALTH",
        "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS",
    ];

    private static readonly string[] Writable = ["about", "address", "description", "email", "websites", "vertical"];

    private static readonly string[] Fields = ["about", "address", "description", "email", "profile_picture_url", "websites", "vertical", "messaging_product"];

    public static RouteGroupBuilder MapSandboxProfile(this RouteGroupBuilder graph)
    {
        foreach (var version in new[] { "/{version:regex(^v\\d+\\.\\d+$)}", "" })
        {
            graph.MapGet(version + "/{phoneNumberId:regex(^\\d+$)}/whatsapp_business_profile", Get);
            graph.MapPost(version + "/{phoneNumberId:regex(^\\d+$)}/whatsapp_business_profile", UpdateAsync);
        }

        graph.MapGet("/profile-picture/{phoneNumberId:regex(^\\d+$)}", () => Results.Bytes(SandboxMedia.PlaceholderPng, "image/png"));
        return graph;
    }

    private static IResult Get(string phoneNumberId, HttpRequest request, SandboxState state, SandboxProfiles profiles)
    {
        if (SandboxGraphErrors.AuthorizeNumber(request, state, phoneNumberId, out _) is { } refused)
        {
            return refused;
        }

        var requested = request.Query["fields"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (requested.FirstOrDefault(f => !Fields.Contains(f)) is { } unknown)
        {
            return SandboxGraphErrors.NonexistingField(unknown, "WhatsAppBusinessProfile");
        }

        var profile = profiles.Get(phoneNumberId);
        var view = new JsonObject();
        foreach (var field in requested.Length == 0 ? Fields : requested)
        {
            if (profile[field] is { } value)
            {
                view[field] = value.DeepClone();
            }
        }

        view["messaging_product"] = "whatsapp";
        return Results.Json(new JsonObject { ["data"] = new JsonArray(view) });
    }

    private static async Task<IResult> UpdateAsync(string phoneNumberId, HttpRequest request, SandboxState state, SandboxProfiles profiles, CancellationToken ct)
    {
        if (SandboxGraphErrors.AuthorizeNumber(request, state, phoneNumberId, out _) is { } refused)
        {
            return refused;
        }

        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return SandboxGraphErrors.Param("The request body must be a JSON object.");
        }

        if (Validate(body) is { } invalid)
        {
            return invalid;
        }

        var changes = new JsonObject();
        foreach (var field in Writable.Where(body.ContainsKey))
        {
            changes[field] = body[field]?.DeepClone();
        }

        if (SandboxGraphApi.Text(body, "profile_picture_handle") is { Length: > 0 })
        {
            changes["profile_picture_url"] = $"{request.Scheme}://{request.Host}{request.PathBase}/sandbox/graph/profile-picture/{phoneNumberId}";
        }

        profiles.Update(phoneNumberId, changes);
        return Results.Json(new JsonObject { ["success"] = true });
    }

    private static IResult? Validate(JsonObject body)
    {
        if (SandboxGraphApi.Text(body, "messaging_product") != "whatsapp")
        {
            return SandboxGraphErrors.Param("The parameter messaging_product is required and must be whatsapp.");
        }

        foreach (var (field, min, max) in new[] { ("about", 1, 139), ("address", 0, 256), ("description", 0, 256), ("email", 0, 128), ("vertical", 1, 64) })
        {
            if (body.ContainsKey(field) && (SandboxGraphApi.Text(body, field) is not { } text || text.Length < min || text.Length > max))
            {
                return SandboxGraphErrors.Param($"Param {field} must be a string of {min} to {max} characters.");
            }
        }

        if (SandboxGraphApi.Text(body, "email") is { Length: > 0 } email && (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return SandboxGraphErrors.Param("Param email must be a valid email address.");
        }

        if (SandboxGraphApi.Text(body, "vertical") is { Length: > 0 } vertical && !Verticals.Contains(vertical))
        {
            return SandboxGraphErrors.Param($"Param vertical must be one of {{{string.Join(", ", Verticals)}}}.");
        }

        if (body.ContainsKey("websites"))
        {
            var websites = body["websites"] as JsonArray;
            var valid = websites is { Count: <= 2 } && websites.All(w => w is JsonValue value && value.TryGetValue<string>(out var url) && url.Length <= 256
                && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https");
            if (!valid)
            {
                return SandboxGraphErrors.Param("Param websites must be an array of at most 2 http or https URLs of at most 256 characters.");
            }
        }

        return null;
    }
}
