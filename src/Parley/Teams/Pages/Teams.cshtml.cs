using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;
using Parley.Web;

namespace Parley.Teams.Pages;

/// <summary>Teams, their members and automatic assignment; every member's availability, load and capacity.</summary>
[Authorize(Policy = nameof(Permission.ManageTeams))]
public sealed class TeamsModel(TeamRoster roster, Agents agents) : PageModel
{
    public IReadOnlyList<TeamView> TeamList { get; private set; } = [];
    public IReadOnlyList<AgentView> AgentList { get; private set; } = [];
    public string? Error { get; private set; }

    /// <summary>Members whose role answers conversations: only they can join a team.</summary>
    public IEnumerable<AgentView> Answering => AgentList.Where(a => Roles.TryParse(a.Role, out var role) && role.Has(Permission.SendMessages));

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostCreateAsync(string? name, bool autoAssign, CancellationToken cancellationToken) =>
        AfterAsync(async () => (await roster.CreateAsync(new CreateTeamRequest(name, autoAssign), cancellationToken)).Error, cancellationToken);

    public Task<IActionResult> OnPostUpdateAsync(Guid teamId, string? name, bool autoAssign, CancellationToken cancellationToken) =>
        AfterAsync(async () => (await roster.UpdateAsync(teamId, new UpdateTeamRequest(name ?? "", autoAssign), cancellationToken)).Error, cancellationToken);

    public Task<IActionResult> OnPostDeleteAsync(Guid teamId, CancellationToken cancellationToken) =>
        AfterAsync(() => roster.DeleteAsync(teamId, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostAddMemberAsync(Guid teamId, Guid? userId, CancellationToken cancellationToken) =>
        AfterAsync(async () => (await roster.AddMemberAsync(teamId, userId, cancellationToken)).Error, cancellationToken);

    public Task<IActionResult> OnPostRemoveMemberAsync(Guid teamId, Guid userId, CancellationToken cancellationToken) =>
        AfterAsync(() => roster.RemoveMemberAsync(teamId, userId, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostCapacityAsync(Guid userId, int? maxOpenConversations, CancellationToken cancellationToken) =>
        AfterAsync(async () => maxOpenConversations is null
            ? OperationError.Invalid("maxOpenConversations", "Give the number of open conversations this person takes at most.")
            : (await agents.UpdateAsync(userId, new UpdateAgentRequest(null, maxOpenConversations), cancellationToken)).Error, cancellationToken);

    /// <summary>Success goes back to the page (post, redirect, get); a refusal shows the page with what to fix.</summary>
    private async Task<IActionResult> AfterAsync(Func<Task<OperationError?>> change, CancellationToken cancellationToken)
    {
        var error = await change();
        if (error is null)
        {
            if (Request.IsHtmx())
            {
                // A confirmed htmx post (deleting a team) reloads the page as a whole.
                Response.Headers["HX-Redirect"] = Request.Path.Value;
                return new NoContentResult();
            }

            return RedirectToPage();
        }

        if (error.Kind == ErrorKind.NotFound)
        {
            return NotFound();
        }

        Error = error.Message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        TeamList = await roster.ListAsync(cancellationToken);
        AgentList = await agents.ListAsync(cancellationToken);
    }
}
