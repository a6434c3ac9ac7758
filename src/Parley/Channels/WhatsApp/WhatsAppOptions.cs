using System.ComponentModel.DataAnnotations;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Installation-wide settings of the one Meta app that serves every workspace (<c>WhatsApp</c> section).
/// </summary>
public sealed class WhatsAppOptions
{
    public const string Section = "WhatsApp";

    /// <summary>The Meta app secret: the key of the HMAC in <c>X-Hub-Signature-256</c>.</summary>
    public string? AppSecret { get; set; }

    /// <summary>What Meta sends as <c>hub.verify_token</c> when the callback URL is saved.</summary>
    public string? VerifyToken { get; set; }

    /// <summary>Unset means https://graph.facebook.com — or, with the sandbox mounted, this Parley's own /sandbox/graph.</summary>
    [Url]
    public string? GraphBaseUrl { get; set; }

    [RegularExpression(@"^v\d+\.\d+$", ErrorMessage = "WhatsApp:GraphVersion looks like v23.0.")]
    public string GraphVersion { get; set; } = "v23.0";

    /// <summary>
    /// How long a send whose answer was lost (Parley died or the connection broke after it left) waits
    /// for a status webhook carrying our id before it is marked failed "outcome unknown" — never resent.
    /// At least as long as a send may take (the Graph client gives up after 30 seconds).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:30", "7.00:00:00", ErrorMessage = "WhatsApp:ReconcileWindow must lie between 30 seconds and 7 days.")]
    public TimeSpan ReconcileWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>WhatsApp's pair rate limit: messages a number may send one customer in a burst (Meta: 45)...</summary>
    [Range(1, 1000, ErrorMessage = "WhatsApp:PairBurst must lie between 1 and 1000.")]
    public int PairBurst { get; set; } = 45;

    /// <summary>...after which one more every this long (Meta: 6 seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "WhatsApp:PairInterval must lie between 10 milliseconds and 1 hour.")]
    public TimeSpan PairInterval { get; set; } = TimeSpan.FromSeconds(6);
}
