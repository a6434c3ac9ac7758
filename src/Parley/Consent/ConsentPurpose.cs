using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Consent;

/// <summary>A purpose a workspace added to the built-in ones (<see cref="Purposes.BuiltIn"/>).</summary>
public sealed class ConsentPurpose
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Key { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required DateTime CreatedAt { get; init; }
}

/// <summary>
/// The text a person agrees to for one purpose, in one language. Versions are immutable and numbered per
/// workspace, purpose and language; a changed text is a new version, so every record keeps pointing at
/// exactly what was shown.
/// </summary>
public sealed class ConsentWording
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Purpose { get; init; }
    public required string Language { get; init; }
    public required int Version { get; init; }
    public required string Text { get; init; }
    public required DateTime CreatedAt { get; init; }
}

internal sealed class ConsentPurposeConfiguration : IEntityTypeConfiguration<ConsentPurpose>
{
    public void Configure(EntityTypeBuilder<ConsentPurpose> builder)
    {
        builder.ToTable("consent_purposes");
        builder.Property(p => p.Key).HasMaxLength(64);
        builder.Property(p => p.Name).HasMaxLength(100);
        builder.Property(p => p.Description).HasMaxLength(500);
        builder.HasIndex(p => new { p.WorkspaceId, p.Key }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(p => p.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConsentWordingConfiguration : IEntityTypeConfiguration<ConsentWording>
{
    public void Configure(EntityTypeBuilder<ConsentWording> builder)
    {
        builder.ToTable("consent_wordings");
        builder.Property(w => w.Purpose).HasMaxLength(64);
        builder.Property(w => w.Language).HasMaxLength(8);
        builder.Property(w => w.Text).HasMaxLength(4000);
        builder.HasIndex(w => new { w.WorkspaceId, w.Purpose, w.Language, w.Version }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(w => w.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
