using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// A webhook change that is not a message or a status — template status and quality updates,
/// <c>user_preferences</c> (marketing stop/resume), account events — kept as received for the features
/// that act on them (templates, consent).
/// </summary>
public sealed class WhatsAppEvent
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid? WorkspaceId { get; init; }
    public required string WabaId { get; init; }
    public required string Field { get; init; }
    public required string Payload { get; init; }
    public required DateTime ReceivedAt { get; init; }
}

/// <summary>
/// A status for a wamid Parley has no message for yet — it can overtake the commit of our own send
/// record. It is applied as soon as the message gets that wamid.
/// </summary>
public sealed class PendingStatus
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string ProviderMessageId { get; init; }
    public required string Payload { get; init; }
    public required DateTime ReceivedAt { get; init; }
}

internal sealed class WhatsAppEventConfiguration : IEntityTypeConfiguration<WhatsAppEvent>
{
    public void Configure(EntityTypeBuilder<WhatsAppEvent> builder)
    {
        builder.ToTable("whatsapp_events");
        builder.Property(e => e.WabaId).HasMaxLength(32);
        builder.Property(e => e.Field).HasMaxLength(64);
        builder.HasIndex(e => new { e.WorkspaceId, e.Field, e.ReceivedAt });
    }
}

internal sealed class PendingStatusConfiguration : IEntityTypeConfiguration<PendingStatus>
{
    public void Configure(EntityTypeBuilder<PendingStatus> builder)
    {
        builder.ToTable("pending_statuses");
        builder.Property(s => s.ProviderMessageId).HasMaxLength(200);
        builder.HasIndex(s => s.ProviderMessageId);
    }
}
