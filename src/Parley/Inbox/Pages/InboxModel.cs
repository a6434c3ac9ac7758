using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Contacts;
using Parley.Identity;
using Parley.Inbox.Live;

namespace Parley.Inbox.Pages;

/// <summary>The conversation list, the start page of a workspace for people who answer customers.</summary>
[Authorize(Policy = nameof(Permission.ViewWorkspace))]
public sealed class InboxModel(InboxQueries queries, ConversationLabels labels, ChangeFeed feed, Notes notes, WorkspaceContext workspace, TimeProvider clock) : PageModel
{
    public InboxView View { get; private set; } = InboxView.Mine;
    public ConversationStatus Status { get; private set; } = ConversationStatus.Open;
    public string? Search { get; private set; }
    public Guid? Label { get; private set; }
    public IReadOnlyList<LabelView> Labels { get; private set; } = [];
    public InboxPage Conversations { get; private set; } = new([], null);
    public long Cursor { get; private set; }
    public DateTime Now { get; private set; }
    public IReadOnlyList<MentionView> Mentions { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string? view, string? status, string? q, Guid? label, string? before, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ViewConversations))
        {
            return Redirect($"/w/{workspace.Slug}"); // The start page for roles that do not answer customers (marketers).
        }

        await LoadAsync(view, status, q, label, before, cancellationToken);
        return Page();
    }

    /// <summary>Just the list, for live refreshes.</summary>
    public async Task<IActionResult> OnGetRowsAsync(string? view, string? status, string? q, Guid? label, string? before, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ViewConversations))
        {
            return Forbid();
        }

        await LoadAsync(view, status, q, label, before, cancellationToken);
        return Partial("_ConversationList", this);
    }

    public string Link(InboxView? view = null, ConversationStatus? status = null) =>
        $"?view={(view ?? View).ToString().ToLowerInvariant()}&status={(status ?? Status).ToString().ToLowerInvariant()}"
        + (Search is null ? "" : $"&q={Uri.EscapeDataString(Search)}")
        + (Label is null ? "" : $"&label={Label}");

    private async Task LoadAsync(string? view, string? status, string? q, Guid? label, string? before, CancellationToken cancellationToken)
    {
        View = Enum.TryParse<InboxView>(view, ignoreCase: true, out var v) && Enum.IsDefined(v) ? v : InboxView.Mine;
        Status = Enum.TryParse<ConversationStatus>(status, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : ConversationStatus.Open;
        Search = string.IsNullOrWhiteSpace(q) ? null : q.Trim()[..Math.Min(q.Trim().Length, 100)];
        Labels = await labels.AllAsync(cancellationToken);
        Label = Labels.Any(l => l.Id == label) ? label : null;
        var cursor = AuditCursor.TryParse(before ?? "", out var parsed) ? parsed : null;
        Cursor = await feed.CurrentCursorAsync(cancellationToken);
        Now = clock.GetUtcNow().UtcDateTime;
        Conversations = await queries.ListAsync(new InboxFilter(View, Status, Search, cursor, Label), cancellationToken);
        Mentions = await notes.UnreadAsync(cancellationToken);
    }
}
