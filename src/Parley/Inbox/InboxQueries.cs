using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

public enum InboxView
{
    Mine,
    Unassigned,
    Teams,
    All,
}

public sealed record InboxFilter(InboxView View, ConversationStatus Status, string? Search, AuditCursor? Before, Guid? LabelId = null);

/// <summary>One line of the conversation list.</summary>
public sealed record InboxRow(
    Guid Id, string? Name, string? WaId, ConversationStatus Status, int Unread, DateTime LastMessageAt,
    DateTime? WindowClosesAt, DateTime? FirstResponseDue, DateTime? SnoozedUntil, string? AssigneeName, string? TeamName, string? Preview, bool PreviewInbound,
    IReadOnlyList<LabelView> Labels);

public sealed record InboxPage(IReadOnlyList<InboxRow> Rows, string? Next);

/// <summary>
/// Reads the inbox for the pages: the list by view and status, newest activity first, in two indexed
/// queries (the page of conversations, then the last message of each). Search and the contact's
/// customer ID plug in here.
/// </summary>
public sealed class InboxQueries(ParleyDb db, WorkspaceContext workspace, DatabaseSettings settings, ConversationLabels labels)
{
    public const int PageSize = 50;

    public async Task<InboxPage> ListAsync(InboxFilter filter, CancellationToken cancellationToken)
    {
        var query = db.Conversations.AsNoTracking().Where(c => c.Status == filter.Status);
        var me = workspace.Actor.Id;
        query = filter.View switch
        {
            InboxView.Mine => query.Where(c => c.AssigneeId == me),
            InboxView.Unassigned => query.Where(c => c.AssigneeId == null),
            InboxView.Teams => query.Where(c => db.TeamMembers.Any(t => t.UserId == me && t.TeamId == c.TeamId)),
            _ => query,
        };

        if (filter.Search is { Length: > 0 } search)
        {
            query = query.Where(c => InboxSearch.Matching(db, settings.IsPostgres, search).Contains(c.Id));
        }

        if (filter.LabelId is { } labelId)
        {
            query = query.Where(c => db.ConversationLabels.Any(l => l.ConversationId == c.Id && l.LabelId == labelId));
        }

        if (filter.Before is { } before)
        {
            query = query.Where(c => c.LastMessageAt < before.At || (c.LastMessageAt == before.At && c.Id.CompareTo(before.Id) < 0));
        }

        var rows = await query
            .OrderByDescending(c => c.LastMessageAt).ThenByDescending(c => c.Id)
            .Take(PageSize + 1)
            .Select(c => new
            {
                c.Id,
                c.Status,
                c.UnreadCount,
                c.LastMessageAt,
                c.LastInboundAt,
                c.AwaitingReplySince,
                c.SnoozedUntil,
                // Scalar subqueries (one primary-key seek each): an object here would make EF rank every contact.
                Name = db.Contacts.Where(k => k.Id == c.ContactId).Select(k => k.DisplayName ?? k.ProfileName).FirstOrDefault(),
                WaId = db.Contacts.Where(k => k.Id == c.ContactId).Select(k => k.WaId).FirstOrDefault(),
                Assignee = db.Users.Where(u => u.Id == c.AssigneeId).Select(u => u.DisplayName).FirstOrDefault(),
                Team = db.Teams.Where(t => t.Id == c.TeamId).Select(t => t.Name).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        var shown = rows.Take(PageSize).ToList();
        var ids = shown.Select(r => r.Id).ToList();
        var last = await LastMessagesAsync(ids, cancellationToken);
        var labelled = await labels.OfAsync(ids, cancellationToken);
        var target = TimeSpan.FromMinutes(await FirstResponseMinutesAsync(cancellationToken));
        var reveal = workspace.Can(Permission.RevealPhoneNumbers);
        var items = shown.Select(r =>
        {
            last.TryGetValue(r.Id, out var message);
            return new InboxRow(
                r.Id, r.Name, reveal ? r.WaId : null, r.Status, r.UnreadCount, r.LastMessageAt,
                r.LastInboundAt + Conversation.ServiceWindow,
                r.Status == ConversationStatus.Resolved ? null : r.AwaitingReplySince + target,
                r.SnoozedUntil, r.Assignee, r.Team,
                message is null ? null : MessageText.Preview(message.Type, message.Content),
                message?.Direction == MessageDirection.Inbound,
                labelled.GetValueOrDefault(r.Id) ?? []);
        }).ToList();
        var next = rows.Count > PageSize ? new AuditCursor(items[^1].LastMessageAt, items[^1].Id).ToString() : null;
        return new InboxPage(items, next);
    }

    public async Task<int> FirstResponseMinutesAsync(CancellationToken cancellationToken) =>
        await db.InboxSettings.Select(s => (int?)s.FirstResponseMinutes).FirstOrDefaultAsync(cancellationToken) ?? InboxSettings.DefaultFirstResponseMinutes;

    /// <summary>
    /// The newest message of each conversation: first its id, a scalar subquery per conversation (one seek
    /// on the <c>(conversation_id, created_at)</c> index each), then those messages by id. Asking for the
    /// whole message in the subquery would make EF rank every message of the workspace instead.
    /// </summary>
    private async Task<Dictionary<Guid, Message>> LastMessagesAsync(List<Guid> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var lastIds = await db.Conversations.AsNoTracking().Where(c => ids.Contains(c.Id))
            .Select(c => db.Messages.Where(m => m.ConversationId == c.Id && m.Direction != MessageDirection.Internal)
                .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Select(m => (Guid?)m.Id).FirstOrDefault())
            .ToListAsync(cancellationToken);
        var wanted = lastIds.OfType<Guid>().ToList();
        return await db.Messages.AsNoTracking().Where(m => wanted.Contains(m.Id)).ToDictionaryAsync(m => m.ConversationId, cancellationToken);
    }
}

/// <summary>Short, plain words for a message (list previews, reply quotes).</summary>
public static class MessageText
{
    public static string Preview(string type, string content)
    {
        try
        {
            using var json = JsonDocument.Parse(content);
            var root = json.RootElement;
            var text = type switch
            {
                "text" or "note" => Get(root, "body"),
                "image" or "video" or "document" or "audio" or "sticker" => Get(root, "caption") ?? Get(root, "filename") ?? $"[{type}]",
                "location" => Get(root, "name") ?? Get(root, "address") ?? "[location]",
                "interactive" => Get(root, "button_reply", "title") ?? Get(root, "list_reply", "title") ?? Get(root, "body", "text") ?? "[interactive]",
                "button" => Get(root, "text"),
                "reaction" => Get(root, "emoji"),
                "template" => $"[template {Get(root, "name")}]",
                "system" => Get(root, "body"),
                _ => null,
            };
            text ??= $"[{type}]";
            return text.Length > 120 ? text[..120] + "…" : text;
        }
        catch (JsonException)
        {
            return $"[{type}]";
        }
    }

    public static string? Get(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}
