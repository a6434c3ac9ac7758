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
/// Which entries to show: <see cref="Action"/> matches the start of the action (<c>consent.</c> finds every
/// consent entry); <see cref="From"/> and <see cref="To"/> bound the time (UTC, from inclusive, to exclusive).
/// </summary>
public sealed record AuditFilter(string? Action = null, string? ActorKind = null, DateTime? From = null, DateTime? To = null)
{
    public static readonly AuditFilter None = new();

    public static readonly string[] ActorKinds = ["user", "apikey", "system", "cli", "anonymous"];

    /// <summary>The filter from query parameters, or the parameter that is wrong and why.</summary>
    public static (AuditFilter? Filter, string? Parameter, string? Problem) Parse(string? action, string? actor, DateTime? from, DateTime? to)
    {
        if (action?.Length > 64)
        {
            return (null, "action", "action has at most 64 characters.");
        }

        if (actor is not null && !ActorKinds.Contains(actor))
        {
            return (null, "actor", "actor is one of user, apikey, system, cli, anonymous.");
        }

        if (from is not null && to is not null && from >= to)
        {
            return (null, "to", "to must lie after from.");
        }

        return (new AuditFilter(string.IsNullOrWhiteSpace(action) ? null : action.Trim(), actor, from?.AsUtc(), to?.AsUtc()), null, null);
    }

    public override string ToString() =>
        string.Join(' ', new[] { Action is null ? null : $"action={Action}", ActorKind is null ? null : $"actor={ActorKind}", From is null ? null : $"from={From:O}", To is null ? null : $"to={To:O}" }.Where(p => p is not null));
}

/// <summary>
/// Reads the audit log of the current workspace: its own entries plus the account entries (sign-ins,
/// password changes) of its current members.
/// </summary>
public sealed class AuditTrail(ParleyDb db, WorkspaceContext workspace)
{
    public Task<AuditPage> PageAsync(AuditCursor? before, int limit, CancellationToken cancellationToken) =>
        PageAsync(AuditFilter.None, before, limit, cancellationToken);

    public async Task<AuditPage> PageAsync(AuditFilter filter, AuditCursor? before, int limit, CancellationToken cancellationToken)
    {
        var workspaceId = workspace.RequiredWorkspaceId;
        // IgnoreQueryFilters lifts the filters of the whole query, subqueries included, so the
        // membership test names the workspace itself.
        var query = db.AuditEntries.IgnoreQueryFilters().AsNoTracking()
            .Where(a => a.WorkspaceId == workspaceId
                || (a.WorkspaceId == null && db.Memberships.Any(m => m.WorkspaceId == workspaceId && m.UserId == a.ActorId)));
        if (filter.Action is { } action)
        {
            query = query.Where(a => a.Action.StartsWith(action));
        }

        if (filter.ActorKind is { } actorKind)
        {
            query = query.Where(a => a.ActorKind == actorKind);
        }

        if (filter.From is { } from)
        {
            query = query.Where(a => a.At >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(a => a.At < to);
        }

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

    /// <summary>Display names of the people and API keys that acted in <paramref name="entries"/> (former ones are missing).</summary>
    public async Task<(Dictionary<Guid, string> Users, Dictionary<Guid, string> Keys)> ActorNamesAsync(IEnumerable<AuditEntryView> entries, CancellationToken cancellationToken)
    {
        var list = entries.Where(e => e.ActorId is not null).ToList();
        var userIds = list.Where(e => e.ActorKind == "user").Select(e => e.ActorId!.Value).Distinct().ToList();
        var keyIds = list.Where(e => e.ActorKind == "apikey").Select(e => e.ActorId!.Value).Distinct().ToList();
        var users = userIds.Count == 0 ? [] : await db.Users.Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        var keys = keyIds.Count == 0 ? [] : await db.ApiKeys.Where(k => keyIds.Contains(k.Id)).ToDictionaryAsync(k => k.Id, k => k.Name, cancellationToken);
        return (users, keys);
    }
}
