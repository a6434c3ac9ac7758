using System.ComponentModel.DataAnnotations;

namespace Parley.Teams;

/// <summary>The <c>Teams</c> configuration section: when "online" lapses, default capacity, how often the assigner looks.</summary>
public sealed class TeamsOptions
{
    public const string Section = "Teams";

    /// <summary>An agent who chose "online" counts as away after this long without a signed-in request.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Teams:AwayAfter must lie between 1 minute and 1 day.")]
    public TimeSpan AwayAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An agent who chose "online" or "away" counts as offline after this long without a signed-in request.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "Teams:OfflineAfter must lie between 1 minute and 7 days.")]
    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Open conversations an agent takes at most from the assigner, unless their own capacity is set.</summary>
    [Range(1, 1000, ErrorMessage = "Teams:DefaultCapacity must lie between 1 and 1000.")]
    public int DefaultCapacity { get; set; } = 5;

    /// <summary>How often the assigner looks for waiting conversations even if nothing woke it (other nodes' changes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Teams:AssignEvery must lie between 1 second and 10 minutes.")]
    public TimeSpan AssignEvery { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether this process runs the assigner (off for a node that should only serve, or to drive it by hand in tests).</summary>
    public bool RunAssigner { get; set; } = true;

    /// <summary>What counts for availability: the choice, lapsing with inactivity.</summary>
    public Availability Effective(Availability chosen, DateTime? lastSeenAt, DateTime now)
    {
        var idle = lastSeenAt is { } seen ? now - seen : TimeSpan.MaxValue;
        return chosen switch
        {
            Availability.Online when idle > OfflineAfter => Availability.Offline,
            Availability.Online when idle > AwayAfter => Availability.Away,
            Availability.Away when idle > OfflineAfter => Availability.Offline,
            _ => chosen,
        };
    }
}
