using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Inbox.Live;

public sealed record ChangedItem(Guid ConversationId, Guid? MessageId);

/// <summary>What changed after a cursor, and the cursor to ask with next time.</summary>
public sealed record ChangeBatch(long Cursor, IReadOnlyList<ChangedItem> Changes, bool Truncated);

/// <summary>
/// Reads the change feed (<see cref="InboxChange"/>) from a cursor so that nothing is missed.
/// On SQLite there is one writer, ids commit in order, and the cursor is the last id read.
/// On PostgreSQL ids can commit out of order (a transaction that took id 10 may commit after one that
/// took 11), so the cursor is a transaction id instead: a read returns the rows of transactions older
/// than the oldest one still running (<c>pg_snapshot_xmin</c>) — all of them finished — and that xmin
/// becomes the next cursor; every later commit carries a transaction id at or above it. A row may come
/// twice only across the first read after a page was rendered; the browser applies changes by id, so a
/// repeat changes nothing.
/// </summary>
public sealed class ChangeFeed(ParleyDb db, DatabaseSettings settings, WriteGate gate)
{
    public const int MaxBatch = 500;

    /// <summary>The cursor a page takes before it reads what it shows.</summary>
    public async Task<long> CurrentCursorAsync(CancellationToken cancellationToken) =>
        settings.IsPostgres
            ? await XminAsync(cancellationToken)
            : await db.InboxChanges.IgnoreQueryFilters().MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;

    /// <summary>The current workspace's changes after <paramref name="cursor"/> (query filter applies).</summary>
    public Task<ChangeBatch> ReadAsync(long cursor, CancellationToken cancellationToken) =>
        ReadAsync(db.InboxChanges, cursor, cancellationToken);

    /// <summary>Which workspaces have changes after <paramref name="cursor"/> — for the live pump, across workspaces.</summary>
    public async Task<(long Cursor, IReadOnlyList<Guid> Workspaces)> WorkspacesChangedAsync(long cursor, CancellationToken cancellationToken)
    {
        var all = db.InboxChanges.IgnoreQueryFilters();
        if (settings.IsPostgres)
        {
            var xmin = await XminAsync(cancellationToken);
            var workspaces = await all.Where(c => c.Tx >= cursor && c.Tx < xmin).Select(c => c.WorkspaceId).Distinct().ToListAsync(cancellationToken);
            return (Math.Max(cursor, xmin), workspaces);
        }

        // A range read on the primary key (a GROUP BY would let SQLite walk the whole workspace index instead);
        // a busy moment's rest is read on the next tick.
        var rows = await all.Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(10_000)
            .Select(c => new { c.Id, c.WorkspaceId }).ToListAsync(cancellationToken);
        return (rows.Count == 0 ? cursor : rows[^1].Id, [.. rows.Select(r => r.WorkspaceId).Distinct()]);
    }

    /// <summary>Drops feed entries no browser can still need (a page older than this reloads).</summary>
    public async Task<int> PruneAsync(int keep, CancellationToken cancellationToken)
    {
        var newest = await db.InboxChanges.IgnoreQueryFilters().MaxAsync(c => (long?)c.Id, cancellationToken) ?? 0;
        if (newest <= keep)
        {
            return 0;
        }

        using var lease = await gate.EnterAsync(cancellationToken);
        return await db.InboxChanges.IgnoreQueryFilters().Where(c => c.Id < newest - keep).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task<ChangeBatch> ReadAsync(IQueryable<InboxChange> changes, long cursor, CancellationToken cancellationToken)
    {
        if (settings.IsPostgres)
        {
            var xmin = await XminAsync(cancellationToken);
            var rows = await changes.Where(c => c.Tx >= cursor && c.Tx < xmin).OrderBy(c => c.Id).Take(MaxBatch + 1)
                .Select(c => new ChangedItem(c.ConversationId, c.MessageId)).ToListAsync(cancellationToken);
            return new ChangeBatch(Math.Max(cursor, xmin), Distinct(rows), rows.Count > MaxBatch);
        }

        var read = await changes.Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(MaxBatch + 1)
            .Select(c => new { c.Id, Item = new ChangedItem(c.ConversationId, c.MessageId) }).ToListAsync(cancellationToken);
        return new ChangeBatch(read.Count == 0 ? cursor : read[^1].Id, Distinct([.. read.Select(r => r.Item)]), read.Count > MaxBatch);
    }

    private static List<ChangedItem> Distinct(List<ChangedItem> items) => [.. items.Distinct().Take(MaxBatch)];

    private async Task<long> XminAsync(CancellationToken cancellationToken) =>
        await db.Database.SqlQueryRaw<long>("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS \"Value\"").SingleAsync(cancellationToken);
}
