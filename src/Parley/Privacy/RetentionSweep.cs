using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Privacy;

/// <summary>One category of a retention run: how many items it removes (or would), and the oldest one's date.</summary>
public sealed record RetentionCount(string Category, int Count, DateTime? Oldest);

public sealed record RetentionReport(DateTime At, bool DryRun, IReadOnlyList<RetentionCount> Categories)
{
    public int Total => Categories.Sum(c => c.Count);
}

/// <summary>
/// Applies the current workspace's <see cref="RetentionRules"/>, or reports what it would do (dry run:
/// the same predicates, counted). Message content is emptied and media files deleted, never the rows,
/// so statistics stay correct; audit entries and superseded consent records are deleted. Works in
/// batches of <see cref="Batch"/>, each its own short write, so it never holds SQLite's writer for
/// long and a run cut off half way simply goes on next time.
/// </summary>
public sealed partial class RetentionSweep(ParleyDb db, WriteGate gate, MediaStore store, AuditLog audit, TimeProvider clock, ILogger<RetentionSweep> logger)
{
    public const int Batch = 1000;
    public const string Empty = "{}";

    public static readonly string[] Categories = ["messageContent", "media", "resolvedConversations", "auditLog", "consentEvidence"];

    public async Task<RetentionReport> RunAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rules = await db.RetentionRules.AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        var counts = new List<RetentionCount>();
        if (rules is null)
        {
            return new RetentionReport(now, dryRun, [.. Categories.Select(c => new RetentionCount(c, 0, null))]);
        }

        // Message content.
        if (rules.MessageContentDays is not null)
        {
            var contentCutoff = Cutoff(now, rules.MessageContentDays);
            var oldContent = db.Messages.Where(m => m.CreatedAt < contentCutoff && m.Content != Empty);
            counts.Add(new("messageContent", await oldContent.CountAsync(cancellationToken), await OldestAsync(oldContent, m => m.CreatedAt, cancellationToken)));
            if (!dryRun)
            {
                await BlankAsync(oldContent, cancellationToken);
            }
        }
        else
        {
            counts.Add(new("messageContent", 0, null));
        }

        // Media files.
        if (rules.MediaDays is not null)
        {
            var mediaCutoff = Cutoff(now, rules.MediaDays);
            var oldMedia = db.MediaFiles.Where(f => f.State == MediaState.Stored && f.CreatedAt < mediaCutoff);
            counts.Add(new("media", await oldMedia.CountAsync(cancellationToken), await OldestAsync(oldMedia, f => f.CreatedAt, cancellationToken)));
            if (!dryRun)
            {
                await ExpireAsync(oldMedia, cancellationToken);
            }
        }
        else
        {
            counts.Add(new("media", 0, null));
        }

        // Resolved conversations: their messages' content and files.
        if (rules.ResolvedConversationDays is not null)
        {
            var resolvedCutoff = Cutoff(now, rules.ResolvedConversationDays);
            var resolved = db.Conversations.Where(c => c.Status == ConversationStatus.Resolved && c.UpdatedAt < resolvedCutoff);
            var withContent = resolved.Where(c => db.Messages.Any(m => m.ConversationId == c.Id && m.Content != Empty)
                || db.MediaFiles.Any(f => f.State == MediaState.Stored && f.MessageId != null && db.Messages.Any(m => m.Id == f.MessageId && m.ConversationId == c.Id)));
            counts.Add(new("resolvedConversations", await withContent.CountAsync(cancellationToken), await OldestAsync(withContent, c => c.UpdatedAt, cancellationToken)));
            if (!dryRun)
            {
                var inResolved = db.Messages.Where(m => resolved.Any(c => c.Id == m.ConversationId));
                await ExpireAsync(db.MediaFiles.Where(f => f.State == MediaState.Stored && f.MessageId != null && inResolved.Any(m => m.Id == f.MessageId)), cancellationToken);
                await BlankAsync(inResolved.Where(m => m.Content != Empty), cancellationToken);
            }
        }
        else
        {
            counts.Add(new("resolvedConversations", 0, null));
        }

        // Audit log.
        if (rules.AuditLogDays is not null)
        {
            var auditCutoff = Cutoff(now, rules.AuditLogDays is { } days ? Math.Max(days, RetentionRules.MinAuditLogDays) : null);
            var oldAudit = db.AuditEntries.Where(a => a.At < auditCutoff);
            counts.Add(new("auditLog", await oldAudit.CountAsync(cancellationToken), await OldestAsync(oldAudit, a => a.At, cancellationToken)));
            if (!dryRun)
            {
                await DeleteAsync(oldAudit.Select(a => a.Id), ids => db.AuditEntries.Where(a => ids.Contains(a.Id)), cancellationToken);
            }
        }
        else
        {
            counts.Add(new("auditLog", 0, null));
        }

        // Consent evidence: a record superseded (by a later statement on the same purpose) before the cutoff; the current one always stays.
        var consentCutoff = now.AddYears(-Math.Max(1, rules.ConsentEvidenceYears));
        var superseded = db.ConsentRecords.Where(r => !db.ConsentStates.Any(s => s.RecordId == r.Id)
            && db.ConsentRecords.Any(later => later.ContactId == r.ContactId && later.Purpose == r.Purpose && later.OccurredAt > r.OccurredAt && later.OccurredAt < consentCutoff));
        counts.Add(new("consentEvidence", await superseded.CountAsync(cancellationToken), await OldestAsync(superseded, r => r.OccurredAt, cancellationToken)));
        if (!dryRun)
        {
            await DeleteAsync(superseded.Select(r => r.Id), ids => db.ConsentRecords.Where(r => ids.Contains(r.Id)), cancellationToken);
        }

        var report = new RetentionReport(now, dryRun, counts);
        if (!dryRun)
        {
            var tracked = await db.RetentionRules.FirstAsync(cancellationToken);
            tracked.LastRunAt = now;
            tracked.LastRunReport = JsonSerializer.Serialize(counts.ToDictionary(c => c.Category, c => c.Count));
            if (report.Total > 0)
            {
                audit.Add("retention.applied", details: tracked.LastRunReport);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return report;
    }

    /// <summary>Before this time, or (no rule) a time nothing is older than.</summary>
    private static DateTime Cutoff(DateTime now, int? days) => days is { } d ? now.AddDays(-d) : DateTime.MinValue;

    private static Task<DateTime?> OldestAsync<T>(IQueryable<T> items, System.Linq.Expressions.Expression<Func<T, DateTime>> at, CancellationToken cancellationToken) =>
        items.Select(at).Select(d => (DateTime?)d).MinAsync(cancellationToken);

    private async Task BlankAsync(IQueryable<Message> messages, CancellationToken cancellationToken)
    {
        while (true)
        {
            var ids = await messages.Select(m => m.Id).Take(Batch).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return;
            }

            using (await gate.EnterAsync(cancellationToken))
            {
                await db.Messages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(
                    s => s.SetProperty(m => m.Content, Empty).SetProperty(m => m.ErrorDetails, (string?)null), cancellationToken);
            }
        }
    }

    private async Task ExpireAsync(IQueryable<MediaFile> files, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = await files.AsNoTracking().Take(Batch).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return;
            }

            var ids = batch.Select(f => f.Id).ToList();
            using (await gate.EnterAsync(cancellationToken))
            {
                await db.MediaFiles.Where(f => ids.Contains(f.Id)).ExecuteUpdateAsync(s => s.SetProperty(f => f.State, MediaState.Expired), cancellationToken);
            }

            foreach (var file in batch)
            {
                try
                {
                    store.Delete(file);
                }
                catch (IOException e)
                {
                    LogFileNotDeleted(logger, file.Id, e);
                }
            }
        }
    }

    private async Task DeleteAsync<T>(IQueryable<Guid> doomed, Func<List<Guid>, IQueryable<T>> rows, CancellationToken cancellationToken)
    {
        while (true)
        {
            var ids = await doomed.Take(Batch).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return;
            }

            using (await gate.EnterAsync(cancellationToken))
            {
                await rows(ids).ExecuteDeleteAsync(cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The file of media {MediaId} could not be deleted by retention")]
    private static partial void LogFileNotDeleted(ILogger logger, Guid mediaId, Exception exception);
}
