using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>
/// A person the workspace talks with, found by WhatsApp id (<c>wa_id</c>, the phone number's digits) or
/// by business-scoped user id (BSUID, which WhatsApp sends when it withholds the number).
/// </summary>
public sealed class Contact
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public string? WaId { get; set; }
    public string? UserId { get; set; }
    public string? ProfileName { get; set; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.ToTable("contacts");
        builder.Property(c => c.WaId).HasMaxLength(32);
        builder.Property(c => c.UserId).HasMaxLength(160);
        builder.Property(c => c.ProfileName).HasMaxLength(200);
        builder.HasIndex(c => new { c.WorkspaceId, c.WaId }).IsUnique().HasFilter("wa_id IS NOT NULL");
        builder.HasIndex(c => new { c.WorkspaceId, c.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
