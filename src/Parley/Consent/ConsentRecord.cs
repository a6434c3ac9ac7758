using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Consent;

/// <summary>
/// One statement of a person about one purpose: granted or withdrawn, with how it reached us (channel,
/// source), the exact wording they agreed to or said, who recorded it and the evidence. The ledger is
/// append-only — records are never updated or deleted; the current state is derived from it.
/// </summary>
public sealed class ConsentRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required Guid ContactId { get; init; }
    public required string Purpose { get; init; }
    public required bool Granted { get; init; }
    public required string Channel { get; init; }
    public required string Source { get; init; }

    /// <summary>The stored wording version the person saw, when there is one; <see cref="Wording"/> always holds the text itself.</summary>
    public Guid? WordingId { get; init; }

    public int? WordingVersion { get; init; }
    public required string Wording { get; init; }
    public string? Evidence { get; init; }

    /// <summary>When the person gave or withdrew it; the latest statement decides the current state.</summary>
    public required DateTime OccurredAt { get; init; }

    public required DateTime RecordedAt { get; init; }
    public required string ActorKind { get; init; }
    public Guid? ActorId { get; init; }
    public string? IpAddress { get; init; }
}

/// <summary>
/// The current state per contact and purpose, derived from the ledger and written in the same
/// transaction as the record that changed it, so the send pipeline can check consent with one lookup.
/// </summary>
public sealed class ConsentState
{
    public required Guid ContactId { get; init; }
    public required string Purpose { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required bool Granted { get; set; }
    public required Guid RecordId { get; set; }
    public required DateTime OccurredAt { get; set; }
}

internal sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.ToTable("consent_records");
        builder.Property(r => r.Purpose).HasMaxLength(64);
        builder.Property(r => r.Channel).HasMaxLength(32);
        builder.Property(r => r.Source).HasMaxLength(32);
        builder.Property(r => r.Wording).HasMaxLength(4000);
        builder.Property(r => r.Evidence).HasMaxLength(1000);
        builder.Property(r => r.ActorKind).HasMaxLength(16);
        builder.Property(r => r.IpAddress).HasMaxLength(64);
        builder.HasIndex(r => new { r.ContactId, r.OccurredAt });
        builder.HasIndex(r => new { r.WorkspaceId, r.RecordedAt });
        builder.HasOne<Contact>().WithMany().HasForeignKey(r => r.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConsentStateConfiguration : IEntityTypeConfiguration<ConsentState>
{
    public void Configure(EntityTypeBuilder<ConsentState> builder)
    {
        builder.ToTable("consent_states");
        builder.HasKey(s => new { s.ContactId, s.Purpose });
        builder.HasIndex(s => new { s.WorkspaceId, s.Purpose, s.Granted, s.ContactId });
        builder.Property(s => s.Purpose).HasMaxLength(64);
        builder.HasOne<Contact>().WithMany().HasForeignKey(s => s.ContactId).OnDelete(DeleteBehavior.Cascade);
    }
}
