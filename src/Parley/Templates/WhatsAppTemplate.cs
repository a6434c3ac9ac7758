using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Templates;

/// <summary>
/// A message template of one of the workspace's WhatsApp Business Accounts, as Meta has it: synced from
/// <c>GET /{waba-id}/message_templates</c> and kept current by the template webhooks (status with the
/// rejection reason, quality, category). <see cref="Components"/> is Meta's components array as JSON.
/// </summary>
public sealed class WhatsAppTemplate
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string WabaId { get; init; }

    /// <summary>Meta's id of the template (per name and language).</summary>
    public string? TemplateId { get; set; }

    public required string Name { get; init; }
    public required string Language { get; init; }
    public string? Category { get; set; }

    /// <summary>APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … as Meta says it.</summary>
    public required string Status { get; set; }

    public string? RejectionReason { get; set; }

    /// <summary>GREEN, YELLOW, RED or UNKNOWN (Meta's quality rating).</summary>
    public string? Quality { get; set; }

    public string Components { get; set; } = "[]";
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class WhatsAppTemplateConfiguration : IEntityTypeConfiguration<WhatsAppTemplate>
{
    public void Configure(EntityTypeBuilder<WhatsAppTemplate> builder)
    {
        builder.ToTable("whatsapp_templates");
        builder.Property(t => t.WabaId).HasMaxLength(32);
        builder.Property(t => t.TemplateId).HasMaxLength(32);
        builder.Property(t => t.Name).HasMaxLength(512);
        builder.Property(t => t.Language).HasMaxLength(16);
        builder.Property(t => t.Category).HasMaxLength(32);
        builder.Property(t => t.Status).HasMaxLength(32);
        builder.Property(t => t.RejectionReason).HasMaxLength(1000);
        builder.Property(t => t.Quality).HasMaxLength(16);
        builder.HasIndex(t => new { t.WorkspaceId, t.WabaId, t.Name, t.Language }).IsUnique();
        builder.HasIndex(t => t.TemplateId);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(t => t.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
