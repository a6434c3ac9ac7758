using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>One message as the conversation page shows it: with its file, its author and what it replies to.</summary>
public sealed record MessageItem(Message Message, MediaFile? Media, string? AuthorName, string? QuotedPreview);

public sealed record ContactPanel(Guid Id, string CustomerId, string? DisplayName, string? ProfileName, string? WaId, DateTime Since, IReadOnlyList<(Guid Id, string Status, DateTime LastMessageAt)> Others);

public sealed record Colleague(Guid Id, string Name);

public sealed record ConversationDetail(
    Conversation Conversation, ContactPanel Contact, string NumberName, IReadOnlyList<MessageItem> Messages, bool Earlier,
    IReadOnlyList<Colleague> Agents, IReadOnlyList<Colleague> Teams, int FirstResponseMinutes,
    IReadOnlyList<LabelView> Labels, IReadOnlyList<LabelView> WorkspaceLabels);

/// <summary>Reads a conversation for its page: the latest messages (oldest first), the contact panel and who it can go to.</summary>
public sealed class ConversationReader(ParleyDb db, WorkspaceContext workspace, InboxQueries queries, ConversationLabels labels)
{
    public const int HistorySize = 300;

    public async Task<ConversationDetail?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (conversation is null)
        {
            return null;
        }

        var contact = await db.Contacts.AsNoTracking().FirstAsync(c => c.Id == conversation.ContactId, cancellationToken);
        var others = await db.Conversations.AsNoTracking().Where(c => c.ContactId == contact.Id && c.Id != id)
            .OrderByDescending(c => c.LastMessageAt).Take(20).Select(c => new { c.Id, c.Status, c.LastMessageAt }).ToListAsync(cancellationToken);
        var number = await db.WhatsAppNumbers.AsNoTracking().Where(n => n.Id == conversation.WhatsAppNumberId).Select(n => n.DisplayPhoneNumber).FirstAsync(cancellationToken);

        var newest = await db.Messages.AsNoTracking().Where(m => m.ConversationId == id)
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(HistorySize + 1).ToListAsync(cancellationToken);
        var earlier = newest.Count > HistorySize;
        var messages = await ItemsAsync([.. newest.Take(HistorySize).Reverse()], cancellationToken);

        var agents = await db.Memberships.AsNoTracking().Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.DisplayName, m.Role })
            .OrderBy(u => u.DisplayName).ToListAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).Select(t => new Colleague(t.Id, t.Name)).ToListAsync(cancellationToken);
        var reveal = workspace.Can(Permission.RevealPhoneNumbers);
        var labelled = await labels.OfAsync([id], cancellationToken);
        return new ConversationDetail(
            conversation,
            new ContactPanel(contact.Id, contact.CustomerId, contact.DisplayName, contact.ProfileName, reveal ? contact.WaId : null, contact.CreatedAt, [.. others.Select(o => (o.Id, o.Status.ToString(), o.LastMessageAt))]),
            number, messages, earlier,
            [.. agents.Where(a => a.Role.Has(Permission.SendMessages)).Select(a => new Colleague(a.Id, a.DisplayName))],
            teams, await queries.FirstResponseMinutesAsync(cancellationToken),
            labelled.GetValueOrDefault(id) ?? [], await labels.AllAsync(cancellationToken));
    }

    /// <summary>Some messages of a conversation, for live updates.</summary>
    public async Task<IReadOnlyList<MessageItem>> MessagesAsync(Guid conversationId, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await db.Messages.AsNoTracking().Where(m => m.ConversationId == conversationId && ids.Contains(m.Id))
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        return await ItemsAsync(rows, cancellationToken);
    }

    private async Task<IReadOnlyList<MessageItem>> ItemsAsync(List<Message> rows, CancellationToken cancellationToken)
    {
        var ids = rows.Select(m => m.Id).ToList();
        var media = await db.MediaFiles.AsNoTracking().Where(f => f.MessageId != null && ids.Contains(f.MessageId.Value)).ToDictionaryAsync(f => f.MessageId!.Value, cancellationToken);
        var sentFiles = rows.Where(m => m.Direction == MessageDirection.Outbound)
            .Select(m => (m.Id, File: OutboundMedia.ParleyMediaId(m.Type, JsonNode.Parse(m.Content)!))).Where(s => s.File is not null).ToList();
        if (sentFiles.Count > 0)
        {
            var fileIds = sentFiles.Select(s => s.File!.Value).ToList();
            var files = await db.MediaFiles.AsNoTracking().Where(f => fileIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, cancellationToken);
            foreach (var (message, file) in sentFiles)
            {
                if (files.TryGetValue(file!.Value, out var stored))
                {
                    media[message] = stored;
                }
            }
        }

        var authorIds = rows.Where(m => m.AuthorId is not null).Select(m => m.AuthorId!.Value).Distinct().ToList();
        var authors = await db.Users.Where(u => authorIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        var contextIds = rows.Where(m => m.ContextMessageId is not null).Select(m => m.ContextMessageId!).Distinct().ToList();
        var quoted = await db.Messages.AsNoTracking().Where(m => m.ProviderMessageId != null && contextIds.Contains(m.ProviderMessageId))
            .Select(m => new { m.ProviderMessageId, m.Type, m.Content }).ToDictionaryAsync(m => m.ProviderMessageId!, m => MessageText.Preview(m.Type, m.Content), cancellationToken);
        return [.. rows.Select(m => new MessageItem(
            m, media.GetValueOrDefault(m.Id),
            m.AuthorId is { } author ? authors.GetValueOrDefault(author) : null,
            m.ContextMessageId is { } context ? quoted.GetValueOrDefault(context) : null))];
    }
}
