using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

public enum OutboxState
{
    /// <summary>Waiting for its turn (or for a retry after <see cref="OutboxEntry.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>Handed to WhatsApp; if Parley dies now the outcome is unknown and is reconciled, never blindly resent.</summary>
    InFlight,

    Done,
    Failed,
}

/// <summary>
/// The durable queue of sends: one row per outbound message. The dispatcher of the message's number
/// takes pending rows in order within that number's throughput.
/// </summary>
public sealed class OutboxEntry
{
    public required Guid MessageId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required Guid WhatsAppNumberId { get; init; }
    public OutboxState State { get; set; }
    public int Attempts { get; set; }
    public required DateTime NextAttemptAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public string? LastError { get; set; }
    public required DateTime CreatedAt { get; init; }
}

internal sealed class OutboxEntryConfiguration : IEntityTypeConfiguration<OutboxEntry>
{
    public void Configure(EntityTypeBuilder<OutboxEntry> builder)
    {
        builder.ToTable("outbox");
        builder.HasKey(o => o.MessageId);
        builder.Property(o => o.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(o => o.LastError).HasMaxLength(1000);
        builder.HasIndex(o => new { o.WhatsAppNumberId, o.CreatedAt, o.MessageId }, "ix_outbox_pending").HasFilter("state = 'Pending'");
        builder.HasIndex(o => new { o.WhatsAppNumberId, o.NextAttemptAt }, "ix_outbox_pending_due").HasFilter("state = 'Pending'");
        builder.HasIndex(o => o.StartedAt, "ix_outbox_in_flight").HasFilter("state = 'InFlight'");
        builder.HasOne<Message>().WithOne().HasForeignKey<OutboxEntry>(o => o.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
