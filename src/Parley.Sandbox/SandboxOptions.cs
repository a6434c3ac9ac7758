namespace Parley.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>Signs webhooks exactly as Meta signs them (HMAC-SHA256 with the app secret).</summary>
    public string AppSecret { get; set; } = "parley-sandbox-app-secret";

    /// <summary>Where status and inbound webhooks go; null while mounted in Parley (it then calls Parley itself).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How many simulated business numbers exist.</summary>
    public int Numbers { get; set; } = 2;

    /// <summary>Messages per second each number accepts before answering 130429.</summary>
    public int Throughput { get; set; } = 80;

    /// <summary>The messaging-limit tier every number reports (unique customers per rolling 24 hours): TIER_250 … TIER_UNLIMITED.</summary>
    public string MessagingLimit { get; set; } = "TIER_10K";

    /// <summary>Messages to one customer within <see cref="PairWindow"/> before 131056.</summary>
    public int PairBurst { get; set; } = 45;

    public TimeSpan PairWindow { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Delay before a sent message is reported delivered, and again before read (negative: never read).</summary>
    public TimeSpan DeliveryDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    public TimeSpan ReadDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Chaos: chance (0–1) that a webhook is sent twice, held back to overtake the next, or dropped for good.</summary>
    public double DuplicateRate { get; set; }

    public double ReorderRate { get; set; }

    public double DropRate { get; set; }

    /// <summary>How long a new or edited template stays PENDING before review approves or rejects it.</summary>
    public TimeSpan TemplateReviewDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// At most this many webhooks that are due at the same moment go out as one POST (their <c>entry</c>
    /// items side by side), as Meta batches up to 1,000 updates when it is busy; 1 sends each on its own.
    /// </summary>
    public int WebhookBatch { get; set; } = 100;

    /// <summary>How long undeliverable webhooks are retried (Meta: 7 days).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(1);
}
