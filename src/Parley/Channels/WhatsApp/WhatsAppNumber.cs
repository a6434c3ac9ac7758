using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// A WhatsApp business phone number connected to a workspace. Webhooks are routed to the workspace by
/// <see cref="PhoneNumberId"/>, which is therefore unique among connected numbers of the installation.
/// Removing a number keeps its row (and so its conversations' history) but stops all traffic.
/// </summary>
public sealed class WhatsAppNumber
{
    public const int DefaultThroughput = 80;
    public const int MaxThroughput = 1000;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string PhoneNumberId { get; init; }
    public required string WabaId { get; init; }
    public required string DisplayPhoneNumber { get; set; }

    /// <summary>The Graph API access token, encrypted with <see cref="Hosting.Secrets"/>; never returned.</summary>
    public required string AccessTokenProtected { get; set; }

    /// <summary>Messages per second this number may send (Meta's default 80, up to 1,000 after an upgrade).</summary>
    public int Throughput { get; set; } = DefaultThroughput;

    /// <summary>The team a new (or reopened) conversation on this number goes to.</summary>
    public Guid? TeamId { get; set; }

    /// <summary>The opening hours shown next to the business profile, as JSON; kept by Parley (the Cloud API has no such field).</summary>
    public string? OpeningHours { get; set; }

    /// <summary>WhatsApp's messaging limit (<c>TIER_250</c> … <c>TIER_UNLIMITED</c>): unique customers per rolling 24 hours outside a service window.</summary>
    public string? MessagingLimit { get; set; }
    public DateTime? MessagingLimitCheckedAt { get; set; }

    public required DateTime CreatedAt { get; init; }
    public DateTime? RemovedAt { get; set; }
}

internal sealed class WhatsAppNumberConfiguration : IEntityTypeConfiguration<WhatsAppNumber>
{
    public void Configure(EntityTypeBuilder<WhatsAppNumber> builder)
    {
        builder.ToTable("whatsapp_numbers");
        builder.Property(n => n.PhoneNumberId).HasMaxLength(32);
        builder.Property(n => n.WabaId).HasMaxLength(32);
        builder.Property(n => n.DisplayPhoneNumber).HasMaxLength(32);
        builder.Property(n => n.AccessTokenProtected).HasMaxLength(4000);
        builder.HasIndex(n => n.PhoneNumberId).IsUnique().HasFilter("removed_at IS NULL");
        builder.HasIndex(n => n.WorkspaceId);
        builder.Property(n => n.OpeningHours).HasMaxLength(2000);
        builder.Property(n => n.MessagingLimit).HasMaxLength(32);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(n => n.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Parley.Teams.Team>().WithMany().HasForeignKey(n => n.TeamId).OnDelete(DeleteBehavior.SetNull);
    }
}
