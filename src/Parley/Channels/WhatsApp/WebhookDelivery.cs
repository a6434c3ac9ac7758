using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// One POST from Meta exactly as it arrived (raw bytes), written before the 200 goes out. The processor
/// marks it processed once every entry, change, message and status in it has been applied, or sets it
/// aside as a dead letter when it cannot be understood.
/// </summary>
public sealed class WebhookDelivery
{
    public long Id { get; init; }
    public required DateTime ReceivedAt { get; init; }
    public required byte[] Body { get; init; }
    public DateTime? ProcessedAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeadAt { get; set; }

    /// <summary>For a dead letter: the workspace whose number its body names, whose admins may see and replay it.</summary>
    public Guid? WorkspaceId { get; set; }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.Property(d => d.Id).ValueGeneratedOnAdd();
        builder.Property(d => d.LastError).HasMaxLength(2000);
        builder.HasIndex(d => d.Id, "ix_webhook_deliveries_pending").HasFilter("processed_at IS NULL AND dead_at IS NULL");
        builder.HasIndex(d => d.WorkspaceId).HasFilter("workspace_id IS NOT NULL");
        builder.HasOne<Workspace>().WithMany().HasForeignKey(d => d.WorkspaceId).OnDelete(DeleteBehavior.SetNull);
    }
}
