using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Contacts;

/// <summary>
/// Decides, on SQLite, where a segment's query starts. SQLite keeps no statistics here, so it cannot know
/// that "tier is Gold or Silver" names two thirds of a million contacts and "under 25 or VIP" a fifth; the
/// planner counts each candidate set from its index, up to a cap, and every "all" starts from its smallest
/// (<see cref="AllCondition.Driver"/>). PostgreSQL keeps statistics and plans for itself: nothing to do there.
/// </summary>
public sealed class SegmentPlanner(ParleyDb db)
{
    /// <summary>Counting stops here: beyond a quarter of a million, a set is large whichever it is.</summary>
    public const int Cap = 250_000;

    /// <summary>
    /// From this many contacts on, a segment is broad: a page of it is found sooner by walking the contacts
    /// newest first and checking each (about one in ten matches at 100,000 of a million) than by gathering
    /// the whole set and sorting it.
    /// </summary>
    public const int BroadFrom = 20_000;

    public async Task<SegmentCondition> PlanAsync(SegmentCondition condition, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return condition;
        }

        var planned = await condition.PlanAsync(this, cancellationToken);
        return planned.Estimate is not null ? planned : planned with { Estimate = await CountAsync(planned, Cap, cancellationToken) };
    }

    /// <summary>The contacts a condition names, counted from its index up to <paramref name="cap"/>; null if it names none.</summary>
    internal async Task<int?> CountAsync(SegmentCondition condition, int cap, CancellationToken cancellationToken) =>
        condition.Estimate ?? (condition.Members(db) is { } members ? await members.Take(cap).CountAsync(cancellationToken) : null);

    /// <summary>Whether a page of the segment should be found by walking the contacts newest first (see <see cref="BroadFrom"/>).</summary>
    public static bool IsBroad(SegmentCondition condition) => condition.Estimate is not < BroadFrom;
}
