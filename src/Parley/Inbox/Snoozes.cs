using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Inbox;

/// <summary>Snoozed conversations open again when their time has passed (the customer writing wakes them earlier, in the webhook recorder).</summary>
public sealed class Snoozes(ParleyDb db, WriteGate gate, TimeProvider clock)
{
    /// <summary>Across workspaces: the same rule for all, no one's data is read.</summary>
    public async Task<int> WakeDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        using var lease = await gate.EnterAsync(cancellationToken);
        return await db.Conversations.IgnoreQueryFilters()
            .Where(c => c.Status == ConversationStatus.Snoozed && c.SnoozedUntil <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ConversationStatus.Open).SetProperty(c => c.SnoozedUntil, (DateTime?)null).SetProperty(c => c.UpdatedAt, now), cancellationToken);
    }
}
