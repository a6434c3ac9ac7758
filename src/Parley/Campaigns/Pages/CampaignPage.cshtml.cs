using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Campaigns.Pages;

/// <summary>A campaign's dashboard: funnel, states, skips and failures by reason, opt-outs, cost; start, pause, resume, cancel; recipients as CSV.</summary>
[Authorize(Policy = nameof(Permission.ViewCampaigns))]
public sealed class CampaignPageModel(Campaigns campaigns, WorkspaceContext workspace) : PageModel
{
    public CampaignView Campaign { get; private set; } = null!;
    public bool MayManage => workspace.Can(Permission.ManageCampaigns);
    public string? Error { get; private set; }

    public bool Live => Campaign.State is "running" or "scheduled";

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await campaigns.FindAsync(id, cancellationToken) is not { } found)
        {
            return NotFound();
        }

        Campaign = found;
        return Page();
    }

    /// <summary>The recipients as CSV (customer IDs, never numbers); the API takes keys only, so the page serves the download.</summary>
    public async Task<IActionResult> OnGetCsvAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await campaigns.ExistsAsync(id, cancellationToken) is false)
        {
            return NotFound();
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"campaign-{id}.csv\"";
        await campaigns.WriteCsvAsync(id, Response.Body, cancellationToken);
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, string? action, CancellationToken cancellationToken)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        var error = action switch
        {
            "start" => await campaigns.StartAsync(id, cancellationToken),
            "pause" => await campaigns.PauseAsync(id, cancellationToken),
            "resume" => await campaigns.ResumeAsync(id, cancellationToken),
            "cancel" => await campaigns.CancelAsync(id, cancellationToken),
            _ => OperationError.Invalid("action", "Unknown action."),
        };
        if (error is { Kind: ErrorKind.NotFound })
        {
            return NotFound();
        }

        if (error is null)
        {
            return Redirect($"/w/{workspace.Slug}/campaigns/{id}");
        }

        Error = error.Message;
        Response.StatusCode = StatusCodes.Status409Conflict;
        Campaign = (await campaigns.FindAsync(id, cancellationToken))!;
        return Page();
    }

    /// <summary>Width of a funnel bar, in percent of the planned recipients.</summary>
    public int Percent(int count) => Campaign.Recipients == 0 ? 0 : (int)Math.Round(100.0 * count / Campaign.Recipients);
}
