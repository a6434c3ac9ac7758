using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox.Live;
using Parley.Web;

namespace Parley.Inbox.Pages;

/// <summary>One conversation: its history, the composer, status, snooze, assignment and the contact panel.</summary>
[Authorize(Policy = nameof(Permission.ViewConversations))]
[RequestSizeLimit(MediaRules.MaxUpload + 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = MediaRules.MaxUpload + 1024 * 1024)]
public sealed class ConversationModel(
    ConversationReader reader, ConversationActions actions, Assignments assignments, OutboundMessages outbound, MediaLibrary library,
    ChangeFeed feed, TemplateChoices templateChoices, Notes notes, CannedReplies canned, ConversationLabels labels, WorkspaceContext workspace, ParleyDb db, MediaStore store,
    TimeProvider clock) : PageModel
{
    public ConversationDetail Detail { get; private set; } = null!;
    public DateTime Now { get; private set; }
    public long Cursor { get; private set; }
    public ComposerState Composer { get; private set; } = ComposerState.Fresh();
    public string? Error { get; private set; }

    /// <summary>Outside the 24-hour window: the approved templates (null when WhatsApp could not be asked).</summary>
    public IReadOnlyList<TemplateChoice>? Templates { get; private set; }
    public TemplateChoice? Template { get; private set; }
    public IReadOnlyList<string> TemplateValues { get; private set; } = [];

    /// <summary>The workspace's canned replies with this conversation's and agent's names filled in.</summary>
    public IReadOnlyList<(string Shortcut, string Text)> CannedReplies { get; private set; } = [];

    public bool CanSend => workspace.Can(Permission.SendMessages);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Cursor = await feed.CurrentCursorAsync(cancellationToken);
        if (CanSend)
        {
            // Before reading, so the page shows the conversation as read.
            if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken))
            {
                return NotFound();
            }

            await actions.OpenedAsync(id, cancellationToken);
        }

        await notes.MarkReadAsync(id, cancellationToken);

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (CanSend && !Detail.Conversation.IsWindowOpen(Now))
        {
            await LoadTemplatesAsync(id, null, [], cancellationToken);
        }

        return Page();
    }

    /// <summary>Messages by id, for live updates: the browser puts each in place by its element id.</summary>
    public async Task<IActionResult> OnGetMessagesAsync(Guid id, string? ids, CancellationToken cancellationToken)
    {
        var wanted = (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Take(200).ToList();
        Now = clock.GetUtcNow().UtcDateTime;
        var items = await reader.MessagesAsync(id, wanted, cancellationToken);
        return Partial("_Messages", items);
    }

    /// <summary>
    /// The pop-up for mentions in other conversations made since <paramref name="after"/> (the page's load,
    /// or what the person dismissed last), asked for when the change feed reports activity elsewhere.
    /// </summary>
    public async Task<IActionResult> OnGetMentionsAsync(Guid id, long? after, CancellationToken cancellationToken)
    {
        var since = new DateTime(Math.Clamp(after ?? 0, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
        Now = clock.GetUtcNow().UtcDateTime;
        var mentions = await notes.UnreadAsync(cancellationToken, since, id);
        return Partial("_MentionAlert", new MentionAlert(id, since, mentions, Now));
    }

    /// <summary>The parts that show the conversation's state (header, side panel, composer mode), for live updates.</summary>
    public async Task<IActionResult> OnGetStateAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Partial("_ConversationState", this) : NotFound();

    public async Task<IActionResult> OnGetComposerAsync(Guid id, string? template, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        await LoadTemplatesAsync(id, template, [], cancellationToken);
        return Partial("_Composer", this);
    }

    /// <summary>Sends an approved template with the values typed for its variables (the only way outside the window).</summary>
    public async Task<IActionResult> OnPostTemplateAsync(Guid id, string? template, string[]? values, string? clientKey, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return Forbid();
        }

        if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken))
        {
            return NotFound();
        }

        values ??= [];
        await LoadTemplatesAsync(id, template, values, cancellationToken);
        if (Template is not { } chosen)
        {
            Error = Templates is null ? "WhatsApp could not be asked for the approved templates; try again in a moment." : "Choose one of the approved templates.";
            await LoadAsync(id, cancellationToken);
            Composer = new ComposerState(clientKey ?? ComposerState.Fresh().Key, null, null);
            return Request.IsHtmx() ? Partial("_Composer", this) : Page();
        }

        if (chosen.Variables.Count > 0 && values.Take(chosen.Variables.Count).Count(v => !string.IsNullOrWhiteSpace(v)) < chosen.Variables.Count)
        {
            Error = "Fill in every variable of the template.";
            await LoadAsync(id, cancellationToken);
            Composer = new ComposerState(clientKey ?? ComposerState.Fresh().Key, null, null);
            return Request.IsHtmx() ? Partial("_Composer", this) : Page();
        }

        var result = await QueueAsync(id, chosen.Message([.. values.Select(v => v.Trim())]), clientKey, new ComposerState(clientKey ?? ComposerState.Fresh().Key, null, null), cancellationToken);
        if (Error is null)
        {
            Template = null;
            TemplateValues = [];
        }

        return result;
    }

    private async Task LoadTemplatesAsync(Guid id, string? chosen, IReadOnlyList<string> values, CancellationToken cancellationToken)
    {
        Templates = await templateChoices.ForConversationAsync(id, cancellationToken);
        Template = Templates?.FirstOrDefault(t => t.Key == chosen);
        TemplateValues = values;
    }

    public async Task<IActionResult> OnGetMediaAsync(Guid id, Guid file, CancellationToken cancellationToken)
    {
        var media = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == file, cancellationToken);
        if (media is null || media.State != MediaState.Stored || store.Open(media) is not { } stream)
        {
            return NotFound();
        }

        return File(stream, media.MimeType ?? "application/octet-stream", media.FileName ?? media.Id.ToString("N"));
    }

    /// <summary>
    /// Sends the composer: text, or an attachment (checked against WhatsApp's types and sizes, stored, then
    /// sent by its media id) with the text as its caption; a repeat of the same key sends nothing new.
    /// </summary>
    public async Task<IActionResult> OnPostSendAsync(Guid id, string? text, string? clientKey, string? replyTo, string? mode, string[]? buttons, string? listButton, string? listRows, IFormFile? attachment, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return Forbid();
        }

        var typed = new ComposerState(clientKey ?? Guid.CreateVersion7().ToString("N"), text, replyTo);
        if (mode == "note")
        {
            var added = await notes.AddAsync(id, text, cancellationToken);
            if (added.Error is { Kind: ErrorKind.NotFound })
            {
                return NotFound();
            }

            Error = added.Error?.Message;
            Composer = added.Error is null ? ComposerState.Fresh() : typed;
            return await LoadAsync(id, cancellationToken) ? (Request.IsHtmx() ? Partial("_Composer", this) : Page()) : NotFound();
        }

        JsonObject body;
        if (attachment is { Length: > 0 })
        {
            if (!await db.Conversations.AnyAsync(c => c.Id == id, cancellationToken))
            {
                return NotFound();
            }

            await using var content = attachment.OpenReadStream();
            var uploaded = await library.UploadAsync(content, attachment.Length, MediaRules.Normalize(attachment.ContentType), Path.GetFileName(attachment.FileName), cancellationToken);
            if (uploaded.Error is { } problem)
            {
                Error = problem.Message;
                Composer = typed;
                return await LoadAsync(id, cancellationToken) ? (Request.IsHtmx() ? Partial("_Composer", this) : Page()) : NotFound();
            }

            var kind = MediaRules.KindOf(uploaded.Value!.MimeType)!;
            var media = new JsonObject { ["mediaId"] = uploaded.Value.Id.ToString() };
            if (!string.IsNullOrWhiteSpace(text) && kind is not ("audio" or "sticker"))
            {
                media["caption"] = text.Trim();
            }

            body = new JsonObject { ["type"] = kind, [kind] = media };
        }
        else if ((listRows ?? "").Split('\n').Select(r => r.Trim()).Where(r => r.Length > 0).ToList() is { Count: > 0 } rows)
        {
            // A list message: WhatsApp takes up to ten rows of at most 24 characters, behind a menu button of at most 20.
            var menu = listButton?.Trim() ?? "";
            if (rows.Count > 10 || rows.Any(r => r.Length > 24) || rows.Distinct(StringComparer.OrdinalIgnoreCase).Count() != rows.Count
                || menu.Length is 0 or > 20 || string.IsNullOrWhiteSpace(text))
            {
                Error = "A choice list needs the question as text, a menu button of at most 20 characters and up to ten different choices of at most 24 characters.";
                Composer = typed;
                return await LoadAsync(id, cancellationToken) ? (Request.IsHtmx() ? Partial("_Composer", this) : Page()) : NotFound();
            }

            body = new JsonObject
            {
                ["type"] = "interactive",
                ["interactive"] = new JsonObject
                {
                    ["type"] = "list",
                    ["body"] = new JsonObject { ["text"] = text.Trim() },
                    ["action"] = new JsonObject
                    {
                        ["button"] = menu,
                        ["sections"] = new JsonArray(new JsonObject
                        {
                            ["rows"] = new JsonArray([.. rows.Select((title, i) => (JsonNode)new JsonObject { ["id"] = $"r{i + 1}", ["title"] = title })]),
                        }),
                    },
                },
            };
        }
        else if ((buttons ?? []).Where(b => !string.IsNullOrWhiteSpace(b)).Select(b => b.Trim()).ToList() is { Count: > 0 } titles)
        {
            // Reply buttons: WhatsApp takes up to three, each title at most 20 characters and all different.
            if (titles.Count > 3 || titles.Any(t => t.Length > 20) || titles.Distinct(StringComparer.OrdinalIgnoreCase).Count() != titles.Count)
            {
                Error = "Up to three buttons, each with a different title of at most 20 characters.";
                Composer = typed;
                return await LoadAsync(id, cancellationToken) ? (Request.IsHtmx() ? Partial("_Composer", this) : Page()) : NotFound();
            }

            body = new JsonObject
            {
                ["type"] = "interactive",
                ["interactive"] = new JsonObject
                {
                    ["type"] = "button",
                    ["body"] = new JsonObject { ["text"] = text?.Trim() ?? "" },
                    ["action"] = new JsonObject
                    {
                        ["buttons"] = new JsonArray([.. titles.Select((title, i) => (JsonNode)new JsonObject
                        {
                            ["type"] = "reply",
                            ["reply"] = new JsonObject { ["id"] = $"b{i + 1}", ["title"] = title },
                        })]),
                    },
                },
            };
        }
        else
        {
            body = new JsonObject { ["type"] = "text", ["text"] = new JsonObject { ["body"] = text?.Trim() ?? "" } };
        }

        if (!string.IsNullOrEmpty(replyTo))
        {
            body["context"] = new JsonObject { ["message_id"] = replyTo };
        }

        return await QueueAsync(id, body, clientKey, typed, cancellationToken);
    }

    public async Task<IActionResult> OnPostStatusAsync(Guid id, string? status, DateTime? snoozeUntil, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return Forbid();
        }

        if (await actions.SetStatusAsync(id, status, snoozeUntil, cancellationToken) is { } error)
        {
            if (error.Kind == ErrorKind.NotFound)
            {
                return NotFound();
            }

            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return await StateOrPageAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostAssignAsync(Guid id, string? assignee, string? team, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return Forbid();
        }

        Guid? assigneeId = Guid.TryParse(assignee, out var a) ? a : null;
        Guid? teamId = Guid.TryParse(team, out var t) ? t : null;
        var assigned = await assignments.AssignAsync(id, assigneeId, teamId, cancellationToken);
        if (assigned.Error is { } error)
        {
            if (error.Kind == ErrorKind.NotFound)
            {
                return NotFound();
            }

            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return await StateOrPageAsync(id, cancellationToken);
    }

    /// <summary>Adds one label or removes one (the side panel's chips and its "add" choice).</summary>
    public async Task<IActionResult> OnPostLabelsAsync(Guid id, Guid? add, Guid? remove, CancellationToken cancellationToken)
    {
        if (!CanSend)
        {
            return Forbid();
        }

        var changed = await labels.ChangeAsync(id, add is { } a ? [a] : [], remove is { } r ? [r] : [], cancellationToken);
        if (changed.Error is { } error)
        {
            if (error.Kind == ErrorKind.NotFound)
            {
                return NotFound();
            }

            Error = "That label no longer exists; reload the page to see the current labels.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return await StateOrPageAsync(id, cancellationToken);
    }

    private async Task<IActionResult> QueueAsync(Guid id, JsonObject body, string? clientKey, ComposerState typed, CancellationToken cancellationToken)
    {
        var queued = await outbound.QueueAsync(id, body, cancellationToken, clientKey, workspace.Actor.Id);
        if (queued.Error is { } error)
        {
            if (error.Kind == ErrorKind.NotFound)
            {
                return NotFound();
            }

            Error = error.Kind == ErrorKind.Refused && error.Field == "type"
                ? "The 24-hour window is closed: WhatsApp only delivers approved templates now. Choose a template below."
                : error.Message;
            Composer = typed;
            if (Templates is null && error.Kind == ErrorKind.Refused)
            {
                await LoadTemplatesAsync(id, null, [], cancellationToken);
            }
        }
        else
        {
            Composer = ComposerState.Fresh();
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        return Request.IsHtmx() ? Partial("_Composer", this) : Page();
    }

    private async Task<IActionResult> StateOrPageAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        return Request.IsHtmx() ? Partial("_ConversationState", this) : Page();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        Detail = (await reader.ReadAsync(id, cancellationToken))!;
        if (Detail is null)
        {
            return false;
        }

        if (CanSend)
        {
            var agent = await db.Users.Where(u => u.Id == workspace.Actor.Id).Select(u => u.DisplayName).FirstOrDefaultAsync(cancellationToken);
            CannedReplies = [.. (await canned.ListAsync(cancellationToken)).Select(r => (r.Shortcut, Parley.Inbox.CannedReplies.Fill(r.Body, Detail.Contact.ProfileName, agent)))];
        }

        return true;
    }
}

/// <summary>The mention pop-up: mentions elsewhere since <see cref="Since"/>.</summary>
public sealed record MentionAlert(Guid ConversationId, DateTime Since, IReadOnlyList<MentionView> Mentions, DateTime Now);

/// <summary>What the composer holds: its idempotency key (new after every send), the text typed and the message replied to.</summary>
public sealed record ComposerState(string Key, string? Text, string? ReplyTo)
{
    public static ComposerState Fresh() => new(Guid.CreateVersion7().ToString("N"), null, null);
}
