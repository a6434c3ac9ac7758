using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Identity;

/// <summary>One business on the installation (a tenant). Everything the business owns points at it.</summary>
public sealed class Workspace
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Slug { get; init; }
    public required string Name { get; set; }
    public required DateTime CreatedAt { get; init; }
}

internal sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> builder)
    {
        builder.ToTable("workspaces");
        builder.Property(w => w.Slug).HasMaxLength(Slugs.MaxLength);
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.HasIndex(w => w.Slug).IsUnique();
    }
}
