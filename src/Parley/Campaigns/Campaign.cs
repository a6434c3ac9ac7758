using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Campaigns;

public enum CampaignState
{
    /// <summary>Planned (recipients written, estimate made); nothing is sent until it is started.</summary>
    Draft,

    /// <summary>Started with a start time still ahead.</summary>
    Scheduled,
    Running,
    Paused,

    /// <summary>Every recipient has been handed to the outbox or skipped; deliveries may still come in.</summary>
    Completed,
    Cancelled,
}

/// <summary>
/// One approved template sent to an audience (lists and segments) from a pool of the workspace's numbers,
/// paced by the numbers' throughput and the WhatsApp messaging-limit tier, within a daily window in each
/// customer's time zone. Its recipients are written when it is planned; see <see cref="CampaignRecipient"/>.
/// </summary>
public sealed class Campaign
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Name { get; set; }
    public required string TemplateName { get; init; }
    public required string TemplateLanguage { get; init; }

    /// <summary>MARKETING, UTILITY or AUTHENTICATION as Meta has it when planned; the price table is per category.</summary>
    public required string TemplateCategory { get; init; }

    /// <summary>The consent purpose every message is checked against (marketing by default).</summary>
    public required string Purpose { get; init; }

    /// <summary>JSON: variable → text with <c>{{contact.name|fallback}}</c> / <c>{{attr.key}}</c> placeholders.</summary>
    public required string Variables { get; init; }

    /// <summary>JSON: <c>{"lists":[…],"segments":[…]}</c>.</summary>
    public required string Audience { get; init; }

    /// <summary>JSON array of the sender numbers' ids (the pool).</summary>
    public required string Numbers { get; init; }

    public DateTime? StartAt { get; set; }

    /// <summary>Daily sending window in the customer's local time, minutes after midnight; outside it are quiet hours.</summary>
    public int? WindowStart { get; init; }
    public int? WindowEnd { get; init; }

    /// <summary>The zone for customers whose number names none (IANA id).</summary>
    public required string TimeZone { get; init; }

    /// <summary>At most this many campaign messages per person within <see cref="FrequencyDays"/> days, counting every campaign.</summary>
    public int? FrequencyCap { get; init; }
    public int? FrequencyDays { get; init; }

    public CampaignState State { get; set; }

    /// <summary>Why the campaign stopped by itself (e.g. the template was paused by Meta).</summary>
    public string? StateReason { get; set; }

    /// <summary>JSON: the cost estimate made when planning (set once the recipient rows are written).</summary>
    public string Estimate { get; set; } = "{}";
    public int Recipients { get; set; }
    public Guid? CreatedBy { get; init; }
    public required DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.ToTable("campaigns");
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.TemplateName).HasMaxLength(512);
        builder.Property(c => c.TemplateLanguage).HasMaxLength(16);
        builder.Property(c => c.TemplateCategory).HasMaxLength(32);
        builder.Property(c => c.Purpose).HasMaxLength(64);
        builder.Property(c => c.Variables).HasMaxLength(8000);
        builder.Property(c => c.Audience).HasMaxLength(8000);
        builder.Property(c => c.Numbers).HasMaxLength(2000);
        builder.Property(c => c.TimeZone).HasMaxLength(64);
        builder.Property(c => c.State).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
        builder.Property(c => c.StateReason).HasMaxLength(500);
        builder.Property(c => c.Estimate).HasMaxLength(8000);
        builder.HasIndex(c => new { c.WorkspaceId, c.CreatedAt });
        builder.HasIndex(c => c.State);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.CreatedBy).OnDelete(DeleteBehavior.SetNull);
    }
}
