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
}
