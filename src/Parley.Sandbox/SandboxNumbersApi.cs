using System.Text.Json.Nodes;

namespace Parley.Sandbox;

/// <summary>
/// The phone-number endpoints: <c>GET /{waba-id}/phone_numbers</c> and <c>GET /{phone-number-id}</c>
/// (served through the shared <c>GET /{id}</c> route), with Graph's <c>fields</c> selection.
/// </summary>
public static class SandboxNumbersApi
{
    public const string NodeType = "WhatsAppBusinessPhoneNumber";

    /// <summary>What Meta returns without <c>fields</c> for one number (the description's four plus the ones Meta adds).</summary>
    private static readonly string[] NumberDefaults = ["verified_name", "code_verification_status", "display_phone_number", "quality_rating", "platform_type", "throughput", "id"];

    /// <summary>The list adds <c>status</c>, which the description requires of every listed number.</summary>
    private static readonly string[] ListDefaults = [.. NumberDefaults, "status"];

    private static readonly string[] KnownFields =
    [
        .. ListDefaults, "name_status", "country_code", "country_dial_code", "account_mode", "host_platform",
        "messaging_limit_tier", "whatsapp_business_manager_messaging_limit", "is_official_business_account",
    ];

    public static RouteGroupBuilder MapSandboxNumbers(this RouteGroupBuilder graph)
    {
        graph.MapGet("/{version:regex(^v\\d+\\.\\d+$)}/{wabaId:regex(^\\d+$)}/phone_numbers", List);
        graph.MapGet("/{wabaId:regex(^\\d+$)}/phone_numbers", List);
        return graph;
    }

    public static IResult Get(string phoneNumberId, HttpRequest request, SandboxState state)
    {
        if (SandboxGraphErrors.AuthorizeNumber(request, state, phoneNumberId, out var number) is { } refused)
        {
            return refused;
        }

        return Fields(request, NumberDefaults, out var fields) is { } unknown
            ? SandboxGraphErrors.NonexistingField(unknown, NodeType)
            : Results.Json(View(number!, fields, state));
    }

    private static IResult List(string wabaId, HttpRequest request, SandboxState state)
    {
        if (SandboxGraphErrors.AuthorizeWaba(request, state, wabaId) is { } refused)
        {
            return refused;
        }

        if (Fields(request, ListDefaults, out var fields) is { } unknown)
        {
            return SandboxGraphErrors.NonexistingField(unknown, NodeType);
        }

        var numbers = state.Numbers.Where(n => n.WabaId == wabaId).ToList();
        return SandboxPaging.Page(request, numbers, n => View(n, fields, state)) is { } page
            ? Results.Json(page)
            : SandboxGraphErrors.Param("Param limit must be a whole number between 1 and 1000, and after/before cursors as returned in paging.");
    }

    private static JsonObject View(SandboxNumber number, IReadOnlyList<string> fields, SandboxState state)
    {
        var view = new JsonObject();
        foreach (var field in fields.Append("id").Distinct(StringComparer.Ordinal))
        {
            view[field] = field switch
            {
                "verified_name" => number.VerifiedName,
                "display_phone_number" => number.DisplayPhoneNumber,
                "quality_rating" => "GREEN",
                "code_verification_status" => "VERIFIED",
                "name_status" => "APPROVED",
                "platform_type" => "CLOUD_API",
                "host_platform" => "CLOUD_API",
                "throughput" => new JsonObject { ["level"] = "STANDARD" },
                "status" => "LINKED",
                "account_mode" => "LIVE",
                "country_code" => "DE",
                "country_dial_code" => "49",
                "messaging_limit_tier" or "whatsapp_business_manager_messaging_limit" => state.MessagingLimit,
                "is_official_business_account" => false,
                _ => number.PhoneNumberId,
            };
        }

        return view;
    }

    /// <summary>Returns the first unknown requested field, or null with the fields to show.</summary>
    private static string? Fields(HttpRequest request, string[] defaults, out IReadOnlyList<string> fields)
    {
        var given = request.Query["fields"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        fields = given.Length == 0 ? defaults : given;
        return given.FirstOrDefault(f => !KnownFields.Contains(f));
    }
}
