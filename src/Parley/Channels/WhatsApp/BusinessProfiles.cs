using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Channels.WhatsApp;

/// <summary>One span of opening hours, in Meta's schedule shape: a day (MONDAY … SUNDAY) and HH:MM times.</summary>
public sealed record OpeningHours(string? DayOfWeek, string? OpenTime, string? CloseTime);

public sealed record BusinessProfileView(
    string? About, string? Address, string? Description, string? Email, IReadOnlyList<string> Websites, string? Vertical,
    string? ProfilePictureUrl, IReadOnlyList<OpeningHours> OpeningHours);

/// <summary>The whole editable profile: what is left out or empty is cleared (the vertical becomes OTHER).</summary>
public sealed record UpdateBusinessProfile(
    string? About, string? Address, string? Description, string? Email, List<string>? Websites, string? Vertical, List<OpeningHours>? OpeningHours);

/// <summary>What WhatsApp answered when it refused or could not be asked; <see cref="WhatsAppSaid"/> is Meta's own words.</summary>
public sealed record ProfileOutcome(BusinessProfileView? Profile, OperationError? Error, string? WhatsAppSaid = null);

/// <summary>
/// A number's WhatsApp business profile, read and written through the Cloud API
/// (<c>/{phone-number-id}/whatsapp_business_profile</c>), checked against Meta's limits first so a mistake
/// names its field. Opening hours are not a field of the Cloud API's profile: Parley keeps them with the
/// number (in Meta's schedule shape), written only when WhatsApp took the rest.
/// </summary>
public sealed partial class BusinessProfiles(ParleyDb db, AuditLog audit, GraphClient graph)
{
    public static readonly string[] Verticals =
    [
        "OTHER", "AUTO", "BEAUTY", "APPAREL", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE", "GROCERY", "GOVT", "HOTEL", "HEALTH",
        "NONPROFIT", "PROF_SERVICES", "RETAIL", "TRAVEL", "RESTAURANT", "ALCOHOL", "ONLINE_GAMBLING", "PHYSICAL_GAMBLING", "OTC_DRUGS",
    ];

    public static readonly string[] Days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ProfileOutcome> GetAsync(Guid numberId, CancellationToken cancellationToken)
    {
        var number = await FindAsync(numberId, cancellationToken);
        if (number is null)
        {
            return new(null, OperationError.NotFound);
        }

        return await graph.GetBusinessProfileAsync(number, cancellationToken) switch
        {
            GraphAnswered answered => new(View(answered.Body, ReadHours(number.OpeningHours)), null),
            var failed => Failure(failed),
        };
    }

    public async Task<ProfileOutcome> UpdateAsync(Guid numberId, UpdateBusinessProfile request, CancellationToken cancellationToken)
    {
        var number = await FindAsync(numberId, cancellationToken);
        if (number is null)
        {
            return new(null, OperationError.NotFound);
        }

        if (Validate(request) is { } invalid)
        {
            return new(null, invalid);
        }

        var changes = new JsonObject
        {
            ["about"] = request.About!.Trim(),
            ["address"] = request.Address?.Trim() ?? "",
            ["description"] = request.Description?.Trim() ?? "",
            ["email"] = request.Email?.Trim() ?? "",
            ["websites"] = new JsonArray([.. (request.Websites ?? []).Select(w => (JsonNode)JsonValue.Create(w.Trim()))]),
            ["vertical"] = string.IsNullOrWhiteSpace(request.Vertical) ? "OTHER" : request.Vertical.Trim(),
        };
        var answer = await graph.UpdateBusinessProfileAsync(number, changes, cancellationToken);
        if (answer is not GraphAnswered)
        {
            return Failure(answer); // Nothing is stored: the opening hours change only together with the rest.
        }

        var hours = request.OpeningHours ?? [];
        number.OpeningHours = hours.Count == 0 ? null : JsonSerializer.Serialize(hours, Json);
        audit.Add("whatsapp_number.profile_changed", "whatsapp_number", number.Id, number.PhoneNumberId);
        await db.SaveChangesAsync(cancellationToken);

        // WhatsApp took it: a failing read-back must not report the saved change as failed.
        return await graph.GetBusinessProfileAsync(number, cancellationToken) is GraphAnswered reread
            ? new(View(reread.Body, hours), null)
            : new(View(changes, hours), null);
    }

    private Task<WhatsAppNumber?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        db.WhatsAppNumbers.FirstOrDefaultAsync(n => n.Id == id && n.RemovedAt == null, cancellationToken);

    private static OperationError? Validate(UpdateBusinessProfile request)
    {
        if (request.About?.Trim() is not { Length: >= 1 and <= 139 })
        {
            return OperationError.Invalid("about", "About is required and has at most 139 characters.");
        }

        if (request.Address?.Trim().Length > 256)
        {
            return OperationError.Invalid("address", "The address has at most 256 characters.");
        }

        if (request.Description?.Trim().Length > 256)
        {
            return OperationError.Invalid("description", "The description has at most 256 characters.");
        }

        if (request.Email?.Trim() is { Length: > 0 } email && (email.Length > 128 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return OperationError.Invalid("email", "The e-mail address is not valid (at most 128 characters).");
        }

        var websites = request.Websites ?? [];
        if (websites.Count > 2 || websites.Any(w => w is null || w.Trim().Length > 256
            || !Uri.TryCreate(w.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            return OperationError.Invalid("websites", "Give at most two websites, each a full http:// or https:// address of at most 256 characters.");
        }

        if (!string.IsNullOrWhiteSpace(request.Vertical) && !Verticals.Contains(request.Vertical.Trim()))
        {
            return OperationError.Invalid("vertical", $"The vertical is one of WhatsApp's: {string.Join(", ", Verticals)}.");
        }

        var hours = request.OpeningHours ?? [];
        if (hours.Count > 21)
        {
            return OperationError.Invalid("openingHours", "Give at most three spans of opening hours a day.");
        }

        foreach (var span in hours)
        {
            if (span is null || !Days.Contains(span.DayOfWeek) || !Time().IsMatch(span.OpenTime ?? "") || !Time().IsMatch(span.CloseTime ?? "")
                || TimeOnly.Parse(span.OpenTime!, System.Globalization.CultureInfo.InvariantCulture) >= TimeOnly.Parse(span.CloseTime!, System.Globalization.CultureInfo.InvariantCulture))
            {
                return OperationError.Invalid("openingHours", "Each span of opening hours names a day (MONDAY … SUNDAY) and opens before it closes (HH:MM, e.g. 09:00 to 17:30).");
            }
        }

        return null;
    }

    /// <summary>WhatsApp's refusal or silence in words that say what to do next.</summary>
    private static ProfileOutcome Failure(GraphResult result) => result switch
    {
        GraphRefused { Code: 190 } refused => new(null, Refused("WhatsApp did not accept this number's access token. Give the number a new token (PATCH the number with accessToken, or connect it again) and try again."), refused.Title),
        GraphRefused { Code: 100 } refused => new(null, Refused("WhatsApp refused the profile. Correct what it names and save again."), refused.Details ?? refused.Title),
        GraphRefused { Code: 4 or 80007 or 130429 } refused => new(null, Refused("WhatsApp is limiting requests for this number. Wait a few minutes and try again."), refused.Title),
        GraphRefused refused => new(null, Refused("WhatsApp refused the request. Try again later; if it keeps failing, check the number in Meta's WhatsApp Manager."), $"{refused.Code}: {refused.Title}"),
        GraphUnreachable => new(null, Refused("WhatsApp could not be reached. Check the server's connection and try again in a minute.")),
        _ => new(null, Refused("WhatsApp did not answer in time. Reload the profile to see whether the change arrived, then try again.")),
    };

    private static OperationError Refused(string message) => new(ErrorKind.Refused, message);

    private static BusinessProfileView View(JsonObject profile, IReadOnlyList<OpeningHours> hours) => new(
        Text(profile, "about"),
        Text(profile, "address"),
        Text(profile, "description"),
        Text(profile, "email"),
        profile["websites"] is JsonArray websites ? [.. websites.Select(w => w?.GetValue<string>()).OfType<string>()] : [],
        Text(profile, "vertical"),
        Text(profile, "profile_picture_url"),
        hours);

    private static string? Text(JsonObject profile, string field) =>
        profile[field] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    private static List<OpeningHours> ReadHours(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<OpeningHours>>(json, Json) ?? [];

    [GeneratedRegex(@"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    private static partial Regex Time();
}
