using System.Text.RegularExpressions;

namespace Parley.Consent;

/// <summary>The built-in purposes every workspace has; workspaces add their own (<see cref="ConsentPurpose"/>).</summary>
public static partial class Purposes
{
    public const string Service = "service";
    public const string Marketing = "marketing";
    public const string Appointments = "appointments";
    public const string Surveys = "surveys";

    public static readonly IReadOnlyList<(string Key, string Name, string Description)> BuiltIn =
    [
        (Service, "Service", "Answers and updates about the customer's own requests and orders."),
        (Marketing, "Marketing", "Offers, news and campaigns."),
        (Appointments, "Appointments", "Booking confirmations and reminders."),
        (Surveys, "Surveys", "Questions about satisfaction (e.g. NPS)."),
    ];

    public static bool IsBuiltIn(string key) => BuiltIn.Any(p => p.Key == key);

    /// <summary>
    /// Service messages rest on the contract or the customer's own request, not on consent: they need no
    /// grant, only respect an explicit withdrawal outside an open conversation. Every other purpose needs
    /// a current grant.
    /// </summary>
    public static bool NeedsGrant(string key) => key != Service;

    public static bool IsValidKey(string? key) => key is not null && KeyPattern().IsMatch(key);

    [GeneratedRegex("^[a-z][a-z0-9_-]{1,63}$")]
    private static partial Regex KeyPattern();
}

/// <summary>How a statement reached us, and what produced the record.</summary>
public static class ConsentSources
{
    public const string Api = "api";
    public const string WebForm = "web_form";
    public const string Import = "import";
    public const string InboundMessage = "inbound_message";
    public const string Agent = "agent";
    public const string Paper = "paper";
    public const string Keyword = "keyword";
    public const string WhatsAppPreference = "whatsapp_preference";

    /// <summary>What a caller of the API or the page may name; keywords and WhatsApp's signals are recorded by Parley itself.</summary>
    public static readonly string[] Recordable = [Api, WebForm, Import, InboundMessage, Agent, Paper];

    public static readonly string[] Channels = ["whatsapp", "web", "phone", "email", "paper", "in_person", "api", "sms"];
}
