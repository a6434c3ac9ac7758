using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Contacts;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>
/// A person the workspace talks with — one per person and workspace — found by WhatsApp id (<c>wa_id</c>,
/// the phone number's digits), by business-scoped user id (BSUID, which WhatsApp sends when it withholds
/// the number), by phone (E.164), by the pseudonymous <see cref="CustomerId"/> or by the CRM's
/// <see cref="ExternalId"/>. Roles without <c>RevealPhoneNumbers</c> only ever see the customer ID.
/// </summary>
public sealed class Contact
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }

    /// <summary><c>C-</c> and six Crockford base32 characters, unique per workspace; assigned on every creation path.</summary>
    public string CustomerId { get; set; } = CustomerIds.New();
    public string? Phone { get; set; }
    public string? WaId { get; set; }
    public string? UserId { get; set; }
    public string? ExternalId { get; set; }

    /// <summary>The name the business gives the person; <see cref="ProfileName"/> is what WhatsApp says.</summary>
    public string? DisplayName { get; set; }
    public string? ProfileName { get; set; }

    /// <summary>The customer's latest own message on any conversation (segments filter on it).</summary>
    public DateTime? LastInboundAt { get; set; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; set; }

    /// <summary>Set when the person was erased: the row is a tombstone without personal data (see <c>ContactErasure</c>).</summary>
    public DateTime? ErasedAt { get; set; }
}

internal sealed class ContactConfiguration : IEntityTypeConfiguration<Contact>
{
    public void Configure(EntityTypeBuilder<Contact> builder)
    {
        builder.ToTable("contacts");
        builder.Property(c => c.CustomerId).HasMaxLength(8);
        builder.Property(c => c.Phone).HasMaxLength(20);
        builder.Property(c => c.ExternalId).HasMaxLength(200);
        builder.Property(c => c.DisplayName).HasMaxLength(200);
        builder.Property(c => c.WaId).HasMaxLength(32);
        builder.Property(c => c.UserId).HasMaxLength(160);
        builder.Property(c => c.ProfileName).HasMaxLength(200);
        builder.HasIndex(c => new { c.WorkspaceId, c.WaId }).IsUnique().HasFilter("wa_id IS NOT NULL");
        builder.HasIndex(c => new { c.WorkspaceId, c.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasIndex(c => new { c.WorkspaceId, c.CustomerId }).IsUnique();
        builder.HasIndex(c => new { c.WorkspaceId, c.Phone }).IsUnique().HasFilter("phone IS NOT NULL");
        builder.HasIndex(c => new { c.WorkspaceId, c.ExternalId }).IsUnique().HasFilter("external_id IS NOT NULL");
        builder.HasIndex(c => new { c.WorkspaceId, c.CreatedAt, c.Id });
        builder.HasIndex(c => new { c.WorkspaceId, c.LastInboundAt });
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
