using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Consent;

/// <summary>
/// A workspace's objection keywords and the answers to them. Without a row the defaults apply
/// (<see cref="ConsentKeywords"/>).
/// </summary>
public sealed class ConsentSettings
{
    public required Guid WorkspaceId { get; init; }

    /// <summary>Upper-case keywords separated by single spaces.</summary>
    public required string StopKeywords { get; set; }

    public required string StartKeywords { get; set; }

    /// <summary>The answer to a stop keyword; null for the built-in English or German one.</summary>
    public string? StopReply { get; set; }

    public string? StartReply { get; set; }
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class ConsentSettingsConfiguration : IEntityTypeConfiguration<ConsentSettings>
{
    public void Configure(EntityTypeBuilder<ConsentSettings> builder)
    {
        builder.ToTable("consent_settings");
        builder.HasKey(s => s.WorkspaceId);
        builder.Property(s => s.StopKeywords).HasMaxLength(500);
        builder.Property(s => s.StartKeywords).HasMaxLength(500);
        builder.Property(s => s.StopReply).HasMaxLength(1000);
        builder.Property(s => s.StartReply).HasMaxLength(1000);
        builder.HasOne<Workspace>().WithOne().HasForeignKey<ConsentSettings>(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
