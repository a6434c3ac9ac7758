using System.Text;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Channels.WhatsApp;

public sealed record DeadLetterView(long Id, DateTime ReceivedAt, DateTime DeadAt, int Attempts, string? Reason, int Bytes, string Preview);

/// <summary>
/// Webhook deliveries set aside because they could not be understood or kept failing. They belong to
/// the installation (an unreadable body names no workspace); the operator lists and replays them.
/// </summary>
public sealed class DeadLetters(ParleyDb db, WebhookBell bell)
{
    public async Task<List<DeadLetterView>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await db.WebhookDeliveries.AsNoTracking().Where(d => d.DeadAt != null).OrderBy(d => d.Id).Take(500).ToListAsync(cancellationToken);
        return [.. rows.Select(d => new DeadLetterView(d.Id, d.ReceivedAt, d.DeadAt!.Value, d.Attempts, d.LastError, d.Body.Length, Preview(d.Body)))];
    }

    /// <summary>Puts dead letters back in line (all when <paramref name="id"/> is null); returns how many.</summary>
    public async Task<int> ReplayAsync(long? id, CancellationToken cancellationToken)
    {
        var count = await db.WebhookDeliveries
            .Where(d => d.DeadAt != null && (id == null || d.Id == id))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.DeadAt, (DateTime?)null).SetProperty(d => d.Attempts, 0), cancellationToken);
        bell.Ring();
        return count;
    }

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 120)).ReplaceLineEndings(" ");
        return body.Length > 120 ? text + "…" : text;
    }
}
