using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Privacy;

/// <summary>
/// How long a workspace keeps each kind of data; null keeps it (the default for everything). Consent
/// evidence has no "off": the record that proves a purpose's current state is always kept, and a
/// superseded record is kept <see cref="ConsentEvidenceYears"/> years after it was superseded — proof
/// for the statutory limitation period (§ 195 BGB: three years, counted from the end of the year, so
/// the default is four).
/// </summary>
public sealed class RetentionRules
{
    public const int MinAuditLogDays = 180;
    public const int DefaultConsentEvidenceYears = 4;

    public required Guid WorkspaceId { get; init; }

    /// <summary>Message texts, captions, locations and cards are emptied this many days after the message.</summary>
    public int? MessageContentDays { get; set; }

    /// <summary>Media files (both directions) are deleted this many days after they arrived or were uploaded.</summary>
    public int? MediaDays { get; set; }

    /// <summary>A conversation resolved this many days ago loses its messages' content and files.</summary>
    public int? ResolvedConversationDays { get; set; }

    /// <summary>Audit log entries older than this are deleted (at least <see cref="MinAuditLogDays"/>).</summary>
    public int? AuditLogDays { get; set; }

    public int ConsentEvidenceYears { get; set; } = DefaultConsentEvidenceYears;

    public required DateTime UpdatedAt { get; set; }
    public DateTime? LastRunAt { get; set; }

    /// <summary>What the last run removed, as JSON counts per category.</summary>
    public string? LastRunReport { get; set; }
}

internal sealed class RetentionRulesConfiguration : IEntityTypeConfiguration<RetentionRules>
{
    public void Configure(EntityTypeBuilder<RetentionRules> builder)
    {
        builder.ToTable("retention_rules");
        builder.HasKey(r => r.WorkspaceId);
        builder.Property(r => r.LastRunReport).HasMaxLength(2000);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
