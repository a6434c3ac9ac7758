using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Inbox.Live;

/// <summary>
/// One entry of the per-workspace change feed: a conversation or one of its messages changed. Written
/// by database triggers on <c>messages</c> and <c>conversations</c> (migration 0008), never by code,
/// so every writer — webhook processing, the outbox, the API, the inbox — feeds it. <see cref="Tx"/> is
/// the writing transaction's id on PostgreSQL (0 on SQLite); see <see cref="ChangeFeed"/>.
/// </summary>
public sealed class InboxChange
{
    public long Id { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required Guid ConversationId { get; init; }
    public Guid? MessageId { get; init; }
    public long Tx { get; init; }
}

internal sealed class InboxChangeConfiguration : IEntityTypeConfiguration<InboxChange>
{
    public void Configure(EntityTypeBuilder<InboxChange> builder)
    {
        builder.ToTable("inbox_changes");
        builder.Property(c => c.Id).ValueGeneratedOnAdd();
        builder.HasIndex(c => new { c.WorkspaceId, c.Tx });

        // The live pump asks across workspaces which have changes after a transaction (PostgreSQL).
        builder.HasIndex(c => c.Tx);
    }
}
