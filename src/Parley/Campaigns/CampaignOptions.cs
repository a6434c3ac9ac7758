namespace Parley.Campaigns;

/// <summary>
/// <c>Campaigns:*</c>. The price table is the installation's (a solution provider sets the rates it bills):
/// <c>Campaigns:Prices:MARKETING:DE = 0.1365</c>, with <c>*</c> as any other country.
/// </summary>
public sealed class CampaignOptions
{
    public const string Section = "Campaigns";

    public string Currency { get; set; } = "EUR";

    /// <summary>Price per delivered template message by template category, then ISO country (or <c>*</c>).</summary>
    public Dictionary<string, Dictionary<string, decimal>> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often the runner looks at running campaigns when nothing rings.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many seconds of a number's throughput may wait in the outbox: pause, cancel and STOP act on the rest at once.</summary>
    public double AheadSeconds { get; set; } = 2;

    /// <summary>Whether this process feeds campaigns (tests of other features turn it off).</summary>
    public bool Run { get; set; } = true;
}
