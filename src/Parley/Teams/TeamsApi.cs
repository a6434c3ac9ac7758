using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Web;

namespace Parley.Teams;

/// <summary>
/// <c>/api/v1/teams</c> (teams and their members) and <c>/api/v1/agents</c> (availability and capacity).
/// API keys act for no person, so an integration sets an agent's availability by the agent's user id.
/// </summary>
public static class TeamsApi
{
    public static RouteGroupBuilder MapTeamsApi(this RouteGroupBuilder api)
    {
        var teams = api.MapGroup("/teams").RequirePermission(Permission.ManageTeams).WithTags("Teams");
        teams.MapGet("/", (TeamRoster roster, CancellationToken ct) => roster.ListAsync(ct));
        teams.MapGet("/{id:guid}", GetTeam);
        teams.MapPost("/", CreateTeam);
        teams.MapPatch("/{id:guid}", UpdateTeam);
        teams.MapDelete("/{id:guid}", DeleteTeam);
        teams.MapPost("/{id:guid}/members", AddMember);
        teams.MapDelete("/{id:guid}/members/{userId:guid}", RemoveMember);

        var agents = api.MapGroup("/agents").RequirePermission(Permission.ManageTeams).WithTags("Agents");
        agents.MapGet("/", (Agents service, CancellationToken ct) => service.ListAsync(ct));
        agents.MapGet("/{id:guid}", GetAgent);
        agents.MapPatch("/{id:guid}", UpdateAgent);
        return api;
    }

    private static async Task<Results<Ok<TeamView>, NotFound>> GetTeam(Guid id, TeamRoster roster, CancellationToken ct) =>
        await roster.FindAsync(id, ct) is { } team ? TypedResults.Ok(team) : TypedResults.NotFound();

    private static async Task<IResult> CreateTeam(CreateTeamRequest request, TeamRoster roster, CancellationToken ct)
    {
        var created = await roster.CreateAsync(request, ct);
        return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/teams/{created.Value!.Id}", created.Value);
    }

    private static async Task<IResult> UpdateTeam(Guid id, UpdateTeamRequest request, TeamRoster roster, CancellationToken ct)
    {
        var updated = await roster.UpdateAsync(id, request, ct);
        return updated.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(updated.Value);
    }

    private static async Task<IResult> DeleteTeam(Guid id, TeamRoster roster, CancellationToken ct) =>
        await roster.DeleteAsync(id, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent();

    private static async Task<IResult> AddMember(Guid id, AddTeamMemberRequest request, TeamRoster roster, CancellationToken ct)
    {
        var added = await roster.AddMemberAsync(id, request.UserId, ct);
        return added.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(added.Value);
    }

    private static async Task<IResult> RemoveMember(Guid id, Guid userId, TeamRoster roster, CancellationToken ct) =>
        await roster.RemoveMemberAsync(id, userId, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent();

    private static async Task<Results<Ok<AgentView>, NotFound>> GetAgent(Guid id, Agents service, CancellationToken ct) =>
        await service.FindAsync(id, ct) is { } agent ? TypedResults.Ok(agent) : TypedResults.NotFound();

    private static async Task<IResult> UpdateAgent(Guid id, UpdateAgentRequest request, Agents service, CancellationToken ct)
    {
        var updated = await service.UpdateAsync(id, request, ct);
        return updated.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(updated.Value);
    }
}
