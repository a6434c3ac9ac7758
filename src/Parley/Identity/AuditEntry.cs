using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Identity;

/// <summary>
/// One security-relevant action. Entries about a person's own account (sign-ins, password changes)
/// carry no workspace; they are shown to the admins of every workspace the person belongs to.
/// </summary>
public sealed class AuditEntry
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid? WorkspaceId { get; init; }
    public required DateTime At { get; init; }
    public required string ActorKind { get; init; }
    public Guid? ActorId { get; init; }
    public required string Action { get; init; }
    public string? TargetKind { get; init; }
    public Guid? TargetId { get; init; }
    public string? IpAddress { get; init; }
    public string? Details { get; init; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.Property(a => a.ActorKind).HasMaxLength(16);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.TargetKind).HasMaxLength(32);
        builder.Property(a => a.IpAddress).HasMaxLength(64);
        builder.Property(a => a.Details).HasMaxLength(1000);
        builder.HasIndex(a => new { a.WorkspaceId, a.At });
        builder.HasIndex(a => new { a.ActorId, a.At });
    }
}
