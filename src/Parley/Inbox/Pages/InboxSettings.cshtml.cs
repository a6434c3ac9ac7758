using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox.Pages;

/// <summary>The workspace's inbox settings: the first-response target (SLA).</summary>
[Authorize(Policy = nameof(Permission.ManageInbox))]
public sealed class InboxSettingsModel(ParleyDb db, WorkspaceContext workspace, InboxQueries queries, AuditLog audit, TimeProvider clock) : PageModel
{
    public const int MaxMinutes = 7 * 24 * 60;

    public int FirstResponseMinutes { get; private set; }
    public string? Error { get; private set; }
    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        FirstResponseMinutes = await queries.FirstResponseMinutesAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(string? firstResponseMinutes, CancellationToken cancellationToken)
    {
        if (!int.TryParse(firstResponseMinutes, out var minutes) || minutes is < 1 or > MaxMinutes)
        {
            Error = "The first-response target is a whole number of minutes between 1 and 10080 (a week).";
            FirstResponseMinutes = await queries.FirstResponseMinutesAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var settings = await db.InboxSettings.FirstOrDefaultAsync(cancellationToken);
        if (settings is null)
        {
            db.InboxSettings.Add(new InboxSettings { WorkspaceId = workspace.RequiredWorkspaceId, FirstResponseMinutes = minutes, UpdatedAt = now });
        }
        else
        {
            settings.FirstResponseMinutes = minutes;
            settings.UpdatedAt = now;
        }

        audit.Add("inbox.settings_changed", details: $"first response {minutes} min");
        await db.SaveChangesAsync(cancellationToken);
        FirstResponseMinutes = minutes;
        Saved = true;
        return Page();
    }
}
