using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Teams;

/// <summary>Wakes the <see cref="AutoAssigner"/>: a conversation arrived, an agent came online or got capacity back, a team changed.</summary>
public sealed class AssignmentBell : Bell;

/// <summary>
/// Hands the unassigned open conversations of teams with automatic assignment to the team's online agents
/// below capacity, round-robin: the agent whose last automatic assignment is longest ago (never first;
/// ties by user id, so tests are deterministic) gets the longest-waiting conversation. One workspace is
/// one transaction. With several Parley processes on one PostgreSQL, a workspace is worked on by one of
/// them at a time (a transaction-scoped advisory lock that the others skip), and the assignment itself is
/// a conditional UPDATE (still unassigned and open), so a conversation assigned by hand meanwhile is left
/// alone and nothing is assigned twice. Every assignment is audited with the system as actor.
/// </summary>
public sealed partial class AutoAssigner(
    IServiceScopeFactory scopes, DatabaseSettings settings, WriteGate gate, AssignmentBell bell, TimeProvider clock,
    IOptions<TeamsOptions> options, ILogger<AutoAssigner> logger) : BackgroundService
{
    /// <summary>Conversations looked at per workspace and round; the rest wait for the next round.</summary>
    private const int BatchSize = 200;

    /// <summary>Roles whose members can be handed conversations.</summary>
    private static readonly Role[] Answering = [.. Roles.All.Where(r => r.Has(Permission.SendMessages))];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunAssigner)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var assigned = await RunOnceAsync(stoppingToken);
                if (assigned == 0)
                {
                    await bell.WaitAsync(options.Value.AssignEvery, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRoundFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>One round over every workspace with waiting conversations; returns how many were assigned.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        List<Guid> workspaces;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            // Only workspaces where someone could take a conversation: the round then never queues at
            // SQLite's write gate just to find that nobody is online.
            var activeSince = clock.GetUtcNow().UtcDateTime - Min(options.Value.AwayAfter, options.Value.OfflineAfter);
            workspaces = await Waiting(db.Conversations.IgnoreQueryFilters(), db)
                .Where(c => db.TeamMembers.IgnoreQueryFilters().Any(m => m.TeamId == c.TeamId
                    && db.Agents.IgnoreQueryFilters().Any(a => a.WorkspaceId == c.WorkspaceId && a.UserId == m.UserId
                        && a.Availability == Availability.Online && a.LastSeenAt >= activeSince)))
                .Select(c => c.WorkspaceId).Distinct().ToListAsync(cancellationToken);
        }

        var assigned = 0;
        foreach (var workspaceId in workspaces)
        {
            assigned += await AssignAsync(workspaceId, cancellationToken);
        }

        return assigned;
    }

    /// <summary>Open, unassigned conversations of teams that assign automatically. Names its own conditions: callers lift the filters.</summary>
    private static IQueryable<Conversation> Waiting(IQueryable<Conversation> conversations, ParleyDb db) =>
        conversations.Where(c => c.Status == ConversationStatus.Open && c.AssigneeId == null && c.TeamId != null
            && db.Teams.IgnoreQueryFilters().Any(t => t.Id == c.TeamId && t.WorkspaceId == c.WorkspaceId && t.AutoAssign));

    private async Task<int> AssignAsync(Guid workspaceId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<WorkspaceContext>().Enter(workspaceId, null, Role.Owner, Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();

        using var lease = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (settings.IsPostgres && !await TryLockAsync(db, workspaceId, cancellationToken))
        {
            return 0; // Another process is assigning this workspace's conversations right now.
        }

        // The subquery in Waiting lifts the query filters of the whole query, so the workspace is named here.
        var waiting = await Waiting(db.Conversations, db)
            .Where(c => c.WorkspaceId == workspaceId)
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new { c.Id, TeamId = c.TeamId!.Value })
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (waiting.Count == 0)
        {
            return 0;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var activeSince = now - Min(options.Value.AwayAfter, options.Value.OfflineAfter);
        var teamIds = waiting.Select(w => w.TeamId).Distinct().ToList();
        var candidates = await (
            from m in db.TeamMembers
            where teamIds.Contains(m.TeamId)
            join a in db.Agents on m.UserId equals a.UserId
            where a.Availability == Availability.Online && a.LastSeenAt >= activeSince
            join ms in db.Memberships on m.UserId equals ms.UserId
            where Answering.Contains(ms.Role)
            select new { m.TeamId, a.UserId })
            .ToListAsync(cancellationToken);
        if (candidates.Count == 0)
        {
            return 0;
        }

        var userIds = candidates.Select(c => c.UserId).Distinct().ToList();
        var agents = await db.Agents.Where(a => userIds.Contains(a.UserId)).ToDictionaryAsync(a => a.UserId, cancellationToken);
        var load = await Agents.Load(db.Conversations)
            .Where(c => c.AssigneeId != null && userIds.Contains(c.AssigneeId.Value))
            .GroupBy(c => c.AssigneeId!.Value)
            .Select(g => new { UserId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.UserId, g => g.Count, cancellationToken);
        var members = candidates.ToLookup(c => c.TeamId, c => agents[c.UserId]);

        // Within one round everyone assigned shares the same timestamp, so the round's own order breaks the tie.
        var turns = new Dictionary<Guid, int>();
        var assigned = 0;
        foreach (var conversation in waiting)
        {
            var agent = members[conversation.TeamId]
                .Where(a => load.GetValueOrDefault(a.UserId) < (a.MaxOpenConversations ?? options.Value.DefaultCapacity))
                .OrderBy(a => a.LastAssignedAt.HasValue).ThenBy(a => a.LastAssignedAt).ThenBy(a => turns.GetValueOrDefault(a.UserId)).ThenBy(a => a.UserId)
                .FirstOrDefault();
            if (agent is null)
            {
                continue; // Everyone in this team is busy; the conversation waits for capacity.
            }

            // Still unassigned and open? Someone may have taken it by hand since it was read.
            var taken = await db.Conversations
                .Where(c => c.Id == conversation.Id && c.AssigneeId == null && c.Status == ConversationStatus.Open)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.AssigneeId, agent.UserId).SetProperty(c => c.UpdatedAt, now), cancellationToken);
            if (taken == 0)
            {
                continue;
            }

            agent.LastAssignedAt = now;
            turns[agent.UserId] = ++assigned;
            load[agent.UserId] = load.GetValueOrDefault(agent.UserId) + 1;
            audit.Add("conversation.assigned", "conversation", conversation.Id, $"automatic: user {agent.UserId}, team {conversation.TeamId}");
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (assigned > 0)
        {
            LogAssigned(logger, assigned, workspaceId);
        }

        return assigned;
    }

    /// <summary>A transaction-scoped advisory lock per workspace: taken, or skipped if another process holds it.</summary>
    private static async Task<bool> TryLockAsync(ParleyDb db, Guid workspaceId, CancellationToken cancellationToken)
    {
        // The key: "assign" in the high half, the workspace id's first 8 bytes folded into the low half.
        var key = BitConverter.ToInt64(workspaceId.ToByteArray(), 0) ^ 0x61737369676E0000L;
        return await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({key}) AS \"Value\"").SingleAsync(cancellationToken);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Assigned {Count} conversations automatically in workspace {WorkspaceId}")]
    private static partial void LogAssigned(ILogger logger, int count, Guid workspaceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of automatic assignment failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
