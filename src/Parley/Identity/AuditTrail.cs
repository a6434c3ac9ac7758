using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity;

/// <summary>Where the previous page ended: newest first, ties on the timestamp broken by id.</summary>
public sealed record AuditCursor(DateTime At, Guid Id)
{
    public override string ToString() => $"{At.Ticks.ToString(CultureInfo.InvariantCulture)}.{Id:N}";

    public static bool TryParse(string value, [NotNullWhen(true)] out AuditCursor? cursor)
    {
        cursor = null;
        var parts = value.Split('.');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks
            || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }

        cursor = new AuditCursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }
}

/// <summary>
/// Reads the audit log of the current workspace: its own entries plus the account entries (sign-ins,
/// password changes) of its current members.
/// </summary>
public sealed class AuditTrail(ParleyDb db, WorkspaceContext workspace)
{
    public async Task<AuditPage> PageAsync(AuditCursor? before, int limit, CancellationToken cancellationToken)
    {
        var workspaceId = workspace.RequiredWorkspaceId;
        // IgnoreQueryFilters lifts the filters of the whole query, subqueries included, so the
        // membership test names the workspace itself.
        var query = db.AuditEntries.IgnoreQueryFilters().AsNoTracking()
            .Where(a => a.WorkspaceId == workspaceId
                || (a.WorkspaceId == null && db.Memberships.Any(m => m.WorkspaceId == workspaceId && m.UserId == a.ActorId)));
        if (before is not null)
        {
            query = query.Where(a => a.At < before.At || (a.At == before.At && a.Id.CompareTo(before.Id) < 0));
        }

        var items = await query
            .OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Take(limit + 1)
            .Select(a => new AuditEntryView(a.Id, a.At, a.ActorKind, a.ActorId, a.Action, a.TargetKind, a.TargetId, a.IpAddress, a.Details))
            .ToListAsync(cancellationToken);

        string? next = null;
        if (items.Count > limit)
        {
            items.RemoveAt(limit);
            next = new AuditCursor(items[^1].At, items[^1].Id).ToString();
        }

        return new AuditPage(items, next);
    }
}
