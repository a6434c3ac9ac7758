using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>A static list: exactly the contacts someone put on it.</summary>
public sealed class ContactList
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Name { get; set; }
    public required DateTime CreatedAt { get; init; }
}

public sealed class ContactListMember
{
    public required Guid ListId { get; init; }
    public required Guid ContactId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required DateTime AddedAt { get; init; }
}

/// <summary>A saved filter (<see cref="SegmentCondition"/>, stored as JSON), evaluated whenever it is used.</summary>
public sealed class Segment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Name { get; set; }
    public required string Filter { get; set; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class ContactListConfiguration : IEntityTypeConfiguration<ContactList>
{
    public void Configure(EntityTypeBuilder<ContactList> builder)
    {
        builder.ToTable("contact_lists");
        builder.Property(l => l.Name).HasMaxLength(200);
        builder.HasIndex(l => new { l.WorkspaceId, l.Name }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(l => l.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContactListMemberConfiguration : IEntityTypeConfiguration<ContactListMember>
{
    public void Configure(EntityTypeBuilder<ContactListMember> builder)
    {
        builder.ToTable("contact_list_members");
        builder.HasKey(m => new { m.ListId, m.ContactId });
        builder.HasIndex(m => m.ContactId);
        builder.HasOne<ContactList>().WithMany().HasForeignKey(m => m.ListId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(m => m.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> builder)
    {
        builder.ToTable("segments");
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.Property(s => s.Filter).HasMaxLength(20000);
        builder.HasIndex(s => new { s.WorkspaceId, s.Name }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
