using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Parley.Identity;
using Parley.Web;

namespace Parley.Teams.Pages;

/// <summary>The availability control in the header: what the person chose and what counts right now.</summary>
public sealed record AvailabilityControl(string Slug, Availability Chosen, Availability Effective)
{
    public static string Label(Availability availability) => availability switch
    {
        Availability.Online => "Online",
        Availability.Away => "Away",
        Availability.Offline => "Offline",
        _ => throw new System.Diagnostics.UnreachableException(),
    };
}

/// <summary>
/// The signed-in person's own availability in this workspace. The header's control posts here (htmx swaps
/// the control; without JavaScript the page comes back), and the page itself says how "online" lapses.
/// </summary>
[Authorize(Policy = nameof(Permission.ViewWorkspace))]
public sealed class AvailabilityModel(Agents agents, WorkspaceContext workspace, IOptions<TeamsOptions> options) : PageModel
{
    public AvailabilityControl Control { get; private set; } = null!;
    public TeamsOptions Options => options.Value;
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Control = await ControlAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? availability, CancellationToken cancellationToken)
    {
        var changed = await agents.UpdateAsync(User.UserId()!.Value, new UpdateAgentRequest(availability, null), cancellationToken);
        if (changed.Error is { } error)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        Control = await ControlAsync(cancellationToken);
        return Request.IsHtmx() ? Partial("_Availability", Control) : Page();
    }

    private async Task<AvailabilityControl> ControlAsync(CancellationToken cancellationToken)
    {
        var (chosen, effective) = await agents.AvailabilityAsync(User.UserId()!.Value, cancellationToken);
        return new AvailabilityControl(workspace.Slug!, chosen, effective);
    }
}
