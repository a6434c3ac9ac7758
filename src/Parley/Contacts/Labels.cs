using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>
/// A workspace-wide label (name and colour). It knows nothing of what carries it: contacts attach it
/// through <see cref="ContactLabel"/>, conversations will through a table of their own.
/// </summary>
public sealed class Label
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Name { get; set; }

    /// <summary>A CSS hex colour, <c>#rrggbb</c>.</summary>
    public required string Colour { get; set; }
    public required DateTime CreatedAt { get; init; }
}

public sealed class ContactLabel
{
    public required Guid ContactId { get; init; }
    public required Guid LabelId { get; init; }
    public required Guid WorkspaceId { get; init; }
}

internal sealed class LabelConfiguration : IEntityTypeConfiguration<Label>
{
    public void Configure(EntityTypeBuilder<Label> builder)
    {
        builder.ToTable("labels");
        builder.Property(l => l.Name).HasMaxLength(100);
        builder.Property(l => l.Colour).HasMaxLength(7);
        builder.HasIndex(l => new { l.WorkspaceId, l.Name }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(l => l.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContactLabelConfiguration : IEntityTypeConfiguration<ContactLabel>
{
    public void Configure(EntityTypeBuilder<ContactLabel> builder)
    {
        builder.ToTable("contact_labels");
        builder.HasKey(l => new { l.ContactId, l.LabelId });
        builder.HasIndex(l => new { l.LabelId, l.WorkspaceId, l.ContactId });
        builder.HasOne<Contact>().WithMany().HasForeignKey(l => l.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Label>().WithMany().HasForeignKey(l => l.LabelId).OnDelete(DeleteBehavior.Cascade);
    }
}
