using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Identity;

namespace Parley.Teams;

/// <summary>
/// Records that a signed-in person is active in a workspace (<see cref="Agent.LastSeenAt"/>), at most once a
/// minute per person and workspace, so "online" lapses to away and offline only when they really are idle.
/// An online agent coming back from idle may have conversations waiting, so that write rings the assigner.
/// </summary>
public sealed class AgentActivity(TimeProvider clock, WriteGate gate, AssignmentBell bell, IOptions<TeamsOptions> options)
{
    public static readonly TimeSpan WriteEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(Guid WorkspaceId, Guid UserId), DateTime> written = new();

    public async Task TouchAsync(ParleyDb db, Guid workspaceId, Guid userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (written.TryGetValue((workspaceId, userId), out var last) && now - last < WriteEvery)
        {
            return;
        }

        written[(workspaceId, userId)] = now;
        var agent = db.Agents.IgnoreQueryFilters().Where(a => a.WorkspaceId == workspaceId && a.UserId == userId);
        var before = await agent.Select(a => new { a.Availability, a.LastSeenAt }).FirstOrDefaultAsync(cancellationToken);
        if (before is null)
        {
            return; // Never set anything: offline, nothing to keep fresh.
        }

        using (await gate.EnterAsync(cancellationToken))
        {
            await agent.ExecuteUpdateAsync(s => s.SetProperty(a => a.LastSeenAt, now), cancellationToken);
        }

        if (before.Availability == Availability.Online && options.Value.Effective(before.Availability, before.LastSeenAt, now) != Availability.Online)
        {
            bell.Ring();
        }
    }
}

/// <summary>Touches <see cref="AgentActivity"/> for every request a signed-in person makes inside a workspace.</summary>
public sealed class AgentActivityMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext httpContext, WorkspaceContext workspace, AgentActivity activity)
    {
        if (workspace.WorkspaceId is { } workspaceId && workspace.Actor is { Kind: "user", Id: { } userId })
        {
            await activity.TouchAsync(httpContext.RequestServices.GetRequiredService<ParleyDb>(), workspaceId, userId, httpContext.RequestAborted);
        }

        await next(httpContext);
    }
}
