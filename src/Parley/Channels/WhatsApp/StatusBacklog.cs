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
    public static async Task ApplyAsync(ParleyDb db, Message message, CancellationToken cancellationToken)
    {
        if (message.ProviderMessageId is null)
        {
            return;
        }

        var parked = await db.PendingStatuses.Where(p => p.ProviderMessageId == message.ProviderMessageId).OrderBy(p => p.Id).ToListAsync(cancellationToken);
        if (parked.Count == 0)
        {
            return;
        }

        foreach (var status in parked)
        {
            using var document = System.Text.Json.JsonDocument.Parse(status.Payload);
            StatusLattice.Apply(message, document.RootElement);
        }

        db.PendingStatuses.RemoveRange(parked);
        await db.SaveChangesAsync(cancellationToken);
    }
}
