using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Consent;

/// <summary>
/// A submission of the public consent page, waiting for its confirmation: nothing is granted until the
/// person sends <see cref="Code"/> from the same WhatsApp number before <see cref="ExpiresAt"/> (double
/// opt-in). <see cref="Purposes"/> keeps the exact wordings shown, as JSON.
/// </summary>
public sealed class ConsentRequest
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Code { get; init; }
    public required string WaId { get; init; }
    public required string Name { get; init; }
    public required string Language { get; init; }
    public required string Purposes { get; init; }
    public string? IpAddress { get; init; }
    public string? UserAgent { get; init; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime ExpiresAt { get; init; }
    public DateTime? ConfirmedAt { get; set; }
    public string? ConfirmingMessageId { get; set; }
    public Guid? ContactId { get; set; }
}

internal sealed class ConsentRequestConfiguration : IEntityTypeConfiguration<ConsentRequest>
{
    public void Configure(EntityTypeBuilder<ConsentRequest> builder)
    {
        builder.ToTable("consent_requests");
        builder.Property(r => r.Code).HasMaxLength(16);
        builder.Property(r => r.WaId).HasMaxLength(32);
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.Language).HasMaxLength(8);
        builder.Property(r => r.Purposes).HasMaxLength(20000);
        builder.Property(r => r.IpAddress).HasMaxLength(64);
        builder.Property(r => r.UserAgent).HasMaxLength(300);
        builder.Property(r => r.ConfirmingMessageId).HasMaxLength(200);
        builder.HasIndex(r => r.Code).IsUnique();
        builder.HasIndex(r => new { r.WorkspaceId, r.WaId, r.CreatedAt });
        builder.HasOne<Workspace>().WithMany().HasForeignKey(r => r.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
