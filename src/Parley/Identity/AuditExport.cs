using System.Globalization;
using CsvHelper;

namespace Parley.Identity;

/// <summary>
/// The audit log as CSV (RFC 4180, UTF-8): every entry the filter selects, newest first, written page
/// by page so a long log never sits in memory. Cells that a spreadsheet would run as a formula are
/// escaped. The export itself is audited.
/// </summary>
public sealed class AuditExport(AuditTrail trail, AuditLog audit, Parley.Data.ParleyDb db)
{
    private const int PageSize = 500;

    public async Task WriteAsync(AuditFilter filter, Stream output, CancellationToken cancellationToken)
    {
        audit.Add("audit_log.exported", details: filter.ToString() is { Length: > 0 } described ? described : null);
        await db.SaveChangesAsync(cancellationToken);

        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        await csv.WriteRecordAsync(["at", "actor_kind", "actor_id", "actor", "action", "target_kind", "target_id", "ip_address", "details"], cancellationToken);
        AuditCursor? before = null;
        do
        {
            var page = await trail.PageAsync(filter, before, PageSize, cancellationToken);
            var (users, keys) = await trail.ActorNamesAsync(page.Items, cancellationToken);
            foreach (var entry in page.Items)
            {
                await csv.WriteRecordAsync(
                [
                    entry.At.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    entry.ActorKind,
                    entry.ActorId?.ToString() ?? "",
                    (entry.ActorId is { } id ? users.GetValueOrDefault(id) ?? keys.GetValueOrDefault(id) : null) ?? "",
                    entry.Action,
                    entry.TargetKind ?? "",
                    entry.TargetId?.ToString() ?? "",
                    entry.IpAddress ?? "",
                    entry.Details ?? "",
                ], cancellationToken);
            }

            before = page.NextBefore is { } next && AuditCursor.TryParse(next, out var cursor) ? cursor : null;
        }
        while (before is not null);

        await csv.FlushAsync(cancellationToken);
    }
}
