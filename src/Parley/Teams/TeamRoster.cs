using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Teams;

public sealed record TeamMemberView(Guid UserId, string DisplayName, DateTime AddedAt);

public sealed record TeamView(Guid Id, string Name, bool AutoAssign, IReadOnlyList<TeamMemberView> Members, DateTime CreatedAt);

public sealed record CreateTeamRequest(string? Name, bool? AutoAssign);

/// <summary>A new name and/or the automatic assignment switch; what is left out stays as it is.</summary>
public sealed record UpdateTeamRequest(string? Name, bool? AutoAssign);

public sealed record AddTeamMemberRequest(Guid? UserId);

/// <summary>
/// The teams of the current workspace and who is in them. Only members who can answer conversations join;
/// a member who leaves the workspace leaves its teams (<see cref="Members"/>). Every change is audited.
/// </summary>
public sealed class TeamRoster(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock, AssignmentBell bell)
{
    public const int MaxNameLength = 100;

    public async Task<List<TeamView>> ListAsync(CancellationToken cancellationToken)
    {
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(cancellationToken);
        var members = await MembersOf(db.TeamMembers.AsNoTracking()).ToListAsync(cancellationToken);
        var byTeam = members.ToLookup(m => m.TeamId, m => m.Member);
        return [.. teams.Select(t => View(t, [.. byTeam[t.Id]]))];
    }

    public async Task<TeamView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return null;
        }

        var members = await MembersOf(db.TeamMembers.AsNoTracking().Where(m => m.TeamId == id)).ToListAsync(cancellationToken);
        return View(team, [.. members.Select(m => m.Member)]);
    }

    private IQueryable<MemberRow> MembersOf(IQueryable<TeamMember> teamMembers) =>
        teamMembers
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.TeamId, m.UserId, u.DisplayName, m.CreatedAt })
            .OrderBy(r => r.DisplayName).ThenBy(r => r.UserId)
            .Select(r => new MemberRow(r.TeamId, new TeamMemberView(r.UserId, r.DisplayName, r.CreatedAt)));

    private sealed record MemberRow(Guid TeamId, TeamMemberView Member);

    public async Task<Outcome<TeamView>> CreateAsync(CreateTeamRequest request, CancellationToken cancellationToken)
    {
        if (NameProblem(request.Name) is { } problem)
        {
            return problem;
        }

        var name = request.Name!.Trim();
        if (await db.Teams.AnyAsync(t => t.Name == name, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "A team with this name exists already.", "name");
        }

        var team = new Team { WorkspaceId = workspace.RequiredWorkspaceId, Name = name, AutoAssign = request.AutoAssign ?? false, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Teams.Add(team);
        audit.Add("team.created", "team", team.Id, team.AutoAssign ? "automatic assignment on" : null);
        await db.SaveChangesAsync(cancellationToken);
        return View(team, []);
    }

    public async Task<Outcome<TeamView>> UpdateAsync(Guid id, UpdateTeamRequest request, CancellationToken cancellationToken)
    {
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return OperationError.NotFound;
        }

        if (request.Name is null && request.AutoAssign is null)
        {
            return OperationError.Invalid("name", "Send name, autoAssign or both.");
        }

        if (request.Name is not null)
        {
            if (NameProblem(request.Name) is { } problem)
            {
                return problem;
            }

            var name = request.Name.Trim();
            if (name != team.Name && await db.Teams.AnyAsync(t => t.Name == name && t.Id != id, cancellationToken))
            {
                return new OperationError(ErrorKind.Conflict, "A team with this name exists already.", "name");
            }

            if (name != team.Name)
            {
                team.Name = name;
                audit.Add("team.renamed", "team", id);
            }
        }

        if (request.AutoAssign is { } autoAssign && autoAssign != team.AutoAssign)
        {
            team.AutoAssign = autoAssign;
            audit.Add("team.auto_assign_changed", "team", id, autoAssign ? "on" : "off");
        }

        await db.SaveChangesAsync(cancellationToken);
        bell.Ring();
        return (await FindAsync(id, cancellationToken))!;
    }

    /// <summary>Deletes a team; its conversations and numbers keep their agents but lose the team.</summary>
    public async Task<OperationError?> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null)
        {
            return OperationError.NotFound;
        }

        db.Teams.Remove(team);
        audit.Add("team.deleted", "team", id);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    public async Task<Outcome<TeamView>> AddMemberAsync(Guid teamId, Guid? userId, CancellationToken cancellationToken)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
        {
            return OperationError.NotFound;
        }

        var membership = userId is { } id ? await db.Memberships.AsNoTracking().FirstOrDefaultAsync(m => m.UserId == id, cancellationToken) : null;
        if (membership is null)
        {
            return OperationError.Invalid("userId", "userId must be a member of this workspace.");
        }

        if (!membership.Role.Has(Permission.SendMessages))
        {
            return OperationError.Invalid("userId", "This member's role cannot answer conversations, so they cannot join a team.");
        }

        if (await db.TeamMembers.AnyAsync(m => m.TeamId == teamId && m.UserId == membership.UserId, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This person is in the team already.", "userId");
        }

        db.TeamMembers.Add(new TeamMember { TeamId = teamId, UserId = membership.UserId, WorkspaceId = workspace.RequiredWorkspaceId, CreatedAt = clock.GetUtcNow().UtcDateTime });
        audit.Add("team.member_added", "team", teamId, $"user {membership.UserId}");
        await db.SaveChangesAsync(cancellationToken);
        bell.Ring();
        return (await FindAsync(teamId, cancellationToken))!;
    }

    public async Task<OperationError?> RemoveMemberAsync(Guid teamId, Guid userId, CancellationToken cancellationToken)
    {
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.TeamId == teamId && m.UserId == userId, cancellationToken);
        if (member is null)
        {
            return OperationError.NotFound;
        }

        db.TeamMembers.Remove(member);
        audit.Add("team.member_removed", "team", teamId, $"user {userId}");
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// Called by <see cref="Members"/> when someone leaves the workspace, inside its unit of work: they leave
    /// their teams, and their open conversations go back to "unassigned" (and so to the assigner).
    /// </summary>
    public static async Task LeaveWorkspaceAsync(ParleyDb db, Guid userId, CancellationToken cancellationToken)
    {
        db.TeamMembers.RemoveRange(await db.TeamMembers.Where(m => m.UserId == userId).ToListAsync(cancellationToken));
        foreach (var conversation in await db.Conversations.Where(c => c.AssigneeId == userId && c.Status != Inbox.ConversationStatus.Resolved).ToListAsync(cancellationToken))
        {
            conversation.AssigneeId = null;
        }
    }

    private static OperationError? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) ? OperationError.Invalid("name", "A team needs a name.")
        : name.Trim().Length > MaxNameLength ? OperationError.Invalid("name", "A team name has at most 100 characters.")
        : null;

    private static TeamView View(Team team, IReadOnlyList<TeamMemberView> members) => new(team.Id, team.Name, team.AutoAssign, members, team.CreatedAt);
}
