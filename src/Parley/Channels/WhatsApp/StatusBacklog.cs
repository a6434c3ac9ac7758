using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Statuses that arrived before their message had a wamid. Both sides look after their own commit —
/// the sender once it stored the wamid, the webhook recorder once it parked a status — so whichever
/// commits second applies the backlog, and no status is stranded.
/// </summary>
public static class StatusBacklog
{
    public static Task ApplyAsync(ParleyDb db, Message message, CancellationToken cancellationToken) =>
        ApplyAsync(db, [message], cancellationToken);

    /// <summary>Applies, in arrival order, the parked statuses of messages that now have a wamid.</summary>
    public static async Task ApplyAsync(ParleyDb db, IReadOnlyCollection<Message> messages, CancellationToken cancellationToken)
    {
        var byWamid = messages.Where(m => m.ProviderMessageId is not null).ToDictionary(m => m.ProviderMessageId!);
        if (byWamid.Count == 0)
        {
            return;
        }

        var wamids = byWamid.Keys.ToList();
        var parked = await db.PendingStatuses.Where(p => wamids.Contains(p.ProviderMessageId)).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        if (parked.Count == 0)
        {
            return;
        }

        foreach (var status in parked)
        {
            using var document = System.Text.Json.JsonDocument.Parse(status.Payload);
            StatusLattice.Apply(byWamid[status.ProviderMessageId], document.RootElement);
        }

        db.PendingStatuses.RemoveRange(parked);
        await db.SaveChangesAsync(cancellationToken);
    }
}
