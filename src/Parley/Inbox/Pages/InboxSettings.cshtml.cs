using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox.Pages;

/// <summary>The workspace's inbox settings: the first-response target (SLA).</summary>
[Authorize(Policy = nameof(Permission.ManageInbox))]
public sealed class InboxSettingsModel(ParleyDb db, WorkspaceContext workspace, InboxQueries queries, CannedReplies canned, AuditLog audit, TimeProvider clock) : PageModel
{
    public const int MaxMinutes = 7 * 24 * 60;

    public int FirstResponseMinutes { get; private set; }
    public string? Error { get; private set; }
    public bool Saved { get; private set; }
    public IReadOnlyList<CannedReplyView> Replies { get; private set; } = [];
    public string? ReplyError { get; private set; }
    public string? ReplyShortcut { get; private set; }
    public string? ReplyBody { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostReplyAsync(string? shortcut, string? body, CancellationToken cancellationToken)
    {
        var created = await canned.CreateAsync(shortcut, body, cancellationToken);
        if (created.Error is { } error)
        {
            ReplyError = error.Message;
            ReplyShortcut = shortcut;
            ReplyBody = body;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteReplyAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await canned.DeleteAsync(id, cancellationToken))
        {
            return NotFound();
        }

        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        FirstResponseMinutes = await queries.FirstResponseMinutesAsync(cancellationToken);
        Replies = await canned.ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(string? firstResponseMinutes, CancellationToken cancellationToken)
    {
        if (!int.TryParse(firstResponseMinutes, out var minutes) || minutes is < 1 or > MaxMinutes)
        {
            Error = "The first-response target is a whole number of minutes between 1 and 10080 (a week).";
            await LoadAsync(cancellationToken);
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
        await LoadAsync(cancellationToken);
        Saved = true;
        return Page();
    }
}
