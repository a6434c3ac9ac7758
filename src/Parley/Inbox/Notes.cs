using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>A colleague was @mentioned in a private note; shown in the inbox until they open it.</summary>
public sealed class Notification
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required Guid UserId { get; init; }
    public required Guid ConversationId { get; init; }
    public required Guid MessageId { get; init; }
    public required DateTime CreatedAt { get; init; }
    public DateTime? ReadAt { get; set; }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.ToTable("notifications");
        builder.HasIndex(n => new { n.WorkspaceId, n.UserId, n.ReadAt });
        builder.HasOne<Workspace>().WithMany().HasForeignKey(n => n.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(n => n.ConversationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Message>().WithMany().HasForeignKey(n => n.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed record MentionView(Guid ConversationId, string? ContactName, string? AuthorName, string Preview, DateTime At);

/// <summary>
/// Private notes: written into the conversation's history (direction internal, never sent), and every
/// member named as <c>@Display Name</c> gets a notification, in the same SaveChanges.
/// </summary>
public sealed class Notes(ParleyDb db, WorkspaceContext workspace, TimeProvider clock)
{
    public async Task<Outcome<Message>> AddAsync(Guid conversationId, string? text, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            return OperationError.NotFound;
        }

        var body = text?.Trim() ?? "";
        if (body.Length is 0 or > 4096)
        {
            return OperationError.Invalid("text", "A note has between 1 and 4,096 characters.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var note = new Message
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            ConversationId = conversationId,
            Direction = MessageDirection.Internal,
            Type = "note",
            Content = System.Text.Json.JsonSerializer.Serialize(new { body }),
            AuthorId = workspace.Actor.Id,
            Status = MessageStatus.Received,
            CreatedAt = now,
        };
        db.Messages.Add(note);

        // Longest names first, so "@Sam Skipper" is not also taken for "@Sam".
        var members = await db.Memberships.Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.DisplayName }).ToListAsync(cancellationToken);
        var rest = body;
        foreach (var member in members.OrderByDescending(m => m.DisplayName.Length))
        {
            var mention = "@" + member.DisplayName;
            if (member.Id != workspace.Actor.Id && rest.Contains(mention, StringComparison.OrdinalIgnoreCase))
            {
                rest = rest.Replace(mention, "", StringComparison.OrdinalIgnoreCase);
                db.Notifications.Add(new Notification { WorkspaceId = note.WorkspaceId, UserId = member.Id, ConversationId = conversationId, MessageId = note.Id, CreatedAt = now });
            }
        }

        conversation.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return note;
    }

    public Task<int> UnreadCountAsync(CancellationToken cancellationToken) =>
        db.Notifications.CountAsync(n => n.UserId == workspace.Actor.Id && n.ReadAt == null, cancellationToken);

    /// <summary>The person's unread mentions, newest first; <paramref name="after"/> and <paramref name="elsewhere"/> narrow them for the pop-up.</summary>
    public async Task<IReadOnlyList<MentionView>> UnreadAsync(CancellationToken cancellationToken, DateTime? after = null, Guid? elsewhere = null)
    {
        var me = workspace.Actor.Id;
        var unread = db.Notifications.Where(n => n.UserId == me && n.ReadAt == null);
        if (after is { } since)
        {
            unread = unread.Where(n => n.CreatedAt > since);
        }

        if (elsewhere is { } current)
        {
            unread = unread.Where(n => n.ConversationId != current);
        }

        var rows = await unread.OrderByDescending(n => n.CreatedAt).Take(50)
            .Join(db.Messages, n => n.MessageId, m => m.Id, (n, m) => new { n.ConversationId, n.CreatedAt, m.Content, m.AuthorId })
            .Select(r => new
            {
                r.ConversationId,
                r.CreatedAt,
                r.Content,
                Author = db.Users.Where(u => u.Id == r.AuthorId).Select(u => u.DisplayName).FirstOrDefault(),
                Contact = db.Conversations.Where(c => c.Id == r.ConversationId).Join(db.Contacts, c => c.ContactId, k => k.Id, (c, k) => k.ProfileName).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new MentionView(r.ConversationId, r.Contact, r.Author, MessageText.Preview("note", r.Content), r.CreatedAt))];
    }

    /// <summary>Opening the conversation reads the person's mentions in it.</summary>
    public async Task MarkReadAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var me = workspace.Actor.Id;
        var unread = await db.Notifications.Where(n => n.UserId == me && n.ConversationId == conversationId && n.ReadAt == null).ToListAsync(cancellationToken);
        if (unread.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        unread.ForEach(n => n.ReadAt = now);
        await db.SaveChangesAsync(cancellationToken);
    }
}
