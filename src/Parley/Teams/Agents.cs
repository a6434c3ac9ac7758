using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Teams;

public sealed record AgentView(Guid UserId, string DisplayName, string Role, string Availability, string ChosenAvailability, DateTime? LastSeenAt, int MaxOpenConversations, int OpenConversations, DateTime? LastAssignedAt);

/// <summary>An agent's availability and/or capacity; what is left out stays as it is.</summary>
public sealed record UpdateAgentRequest(string? Availability, int? MaxOpenConversations);

/// <summary>
/// The members of the current workspace as agents: who is online, away or offline (their choice, lapsing
/// with inactivity), their capacity and their load. Changes that can free an agent for work ring the
/// <see cref="AssignmentBell"/>.
/// </summary>
public sealed class Agents(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock, IOptions<TeamsOptions> options, AssignmentBell bell)
{
    public const int MaxCapacity = 1000;

    /// <summary>The open conversations that count against an agent's capacity (snoozed and resolved ones do not).</summary>
    public static IQueryable<Conversation> Load(IQueryable<Conversation> conversations) =>
        conversations.Where(c => c.Status == ConversationStatus.Open || c.Status == ConversationStatus.Pending);

    public async Task<List<AgentView>> ListAsync(CancellationToken cancellationToken) =>
        await ViewsAsync(db.Memberships.AsNoTracking(), cancellationToken);

    public async Task<AgentView?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        (await ViewsAsync(db.Memberships.AsNoTracking().Where(m => m.UserId == userId), cancellationToken)).FirstOrDefault();

    /// <summary>What a member chose and what counts right now (offline when they never chose anything).</summary>
    public async Task<(Availability Chosen, Availability Effective)> AvailabilityAsync(Guid userId, CancellationToken cancellationToken)
    {
        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == userId, cancellationToken);
        return agent is null
            ? (Availability.Offline, Availability.Offline)
            : (agent.Availability, options.Value.Effective(agent.Availability, agent.LastSeenAt, clock.GetUtcNow().UtcDateTime));
    }

    private async Task<List<AgentView>> ViewsAsync(IQueryable<Membership> memberships, CancellationToken cancellationToken)
    {
        var rows = await (
            from m in memberships
            join a in db.Agents on m.UserId equals a.UserId into agents
            from a in agents.DefaultIfEmpty()
            orderby m.User!.DisplayName, m.UserId
            select new
            {
                m.UserId,
                m.User!.DisplayName,
                m.Role,
                Availability = a == null ? Availability.Offline : a.Availability,
                LastSeenAt = a == null ? null : a.LastSeenAt,
                MaxOpenConversations = a == null ? null : a.MaxOpenConversations,
                LastAssignedAt = a == null ? null : a.LastAssignedAt,
                Open = Load(db.Conversations).Count(c => c.AssigneeId == m.UserId),
            }).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return [.. rows.Select(r => new AgentView(
            r.UserId,
            r.DisplayName,
            Roles.Name(r.Role),
            Name(options.Value.Effective(r.Availability, r.LastSeenAt, now)),
            Name(r.Availability),
            r.LastSeenAt,
            r.MaxOpenConversations ?? options.Value.DefaultCapacity,
            r.Open,
            r.LastAssignedAt))];
    }

    /// <summary>Sets a member's availability and/or capacity (an admin, an integration, or the person themselves).</summary>
    public async Task<Outcome<AgentView>> UpdateAsync(Guid userId, UpdateAgentRequest request, CancellationToken cancellationToken)
    {
        if (!await db.Memberships.AnyAsync(m => m.UserId == userId, cancellationToken))
        {
            return OperationError.NotFound;
        }

        if (request.Availability is null && request.MaxOpenConversations is null)
        {
            return OperationError.Invalid("availability", "Send availability, maxOpenConversations or both.");
        }

        Availability? availability = null;
        if (request.Availability is not null)
        {
            if (!TryParseAvailability(request.Availability, out var parsed))
            {
                return OperationError.Invalid("availability", "availability is online, away or offline.");
            }

            availability = parsed;
        }

        if (request.MaxOpenConversations is < 1 or > MaxCapacity)
        {
            return OperationError.Invalid("maxOpenConversations", $"maxOpenConversations lies between 1 and {MaxCapacity}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var agent = await db.Agents.FirstOrDefaultAsync(a => a.UserId == userId, cancellationToken);
        if (agent is null)
        {
            agent = new Agent { WorkspaceId = workspace.RequiredWorkspaceId, UserId = userId, AvailabilityChangedAt = now };
            db.Agents.Add(agent);
        }

        if (availability is { } chosen)
        {
            agent.Availability = chosen;
            agent.AvailabilityChangedAt = now;

            // Choosing counts as activity: "online" holds from now until the person goes idle.
            agent.LastSeenAt = now;
            audit.Add("agent.availability_changed", "user", userId, Name(chosen));
        }

        if (request.MaxOpenConversations is { } capacity)
        {
            audit.Add("agent.capacity_changed", "user", userId, $"{agent.MaxOpenConversations ?? options.Value.DefaultCapacity} → {capacity}");
            agent.MaxOpenConversations = capacity;
        }

        await db.SaveChangesAsync(cancellationToken);
        bell.Ring();
        return (await FindAsync(userId, cancellationToken))!;
    }

    public static string Name(Availability availability) => availability.ToString().ToLowerInvariant();

    public static bool TryParseAvailability(string? name, out Availability availability)
    {
        availability = default;
        return name is not null && !int.TryParse(name, out _) && Enum.TryParse(name, ignoreCase: true, out availability) && Enum.IsDefined(availability);
    }
}
