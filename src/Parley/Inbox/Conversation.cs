using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Channels.WhatsApp;
using Parley.Identity;
using Parley.Teams;

namespace Parley.Inbox;

public enum ConversationStatus
{
    Open,
    Pending,
    Snoozed,
    Resolved,
}

/// <summary>
/// The one thread between a contact and a business number. The 24-hour customer-service window is
/// derived from <see cref="LastInboundAt"/>: free-form replies are allowed until it plus 24 hours.
/// </summary>
public sealed class Conversation
{
    public static readonly TimeSpan ServiceWindow = TimeSpan.FromHours(24);

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required Guid ContactId { get; init; }
    public required Guid WhatsAppNumberId { get; init; }
    public ConversationStatus Status { get; set; } = ConversationStatus.Open;

    /// <summary>The agent who answers this conversation; none means it waits in "unassigned".</summary>
    public Guid? AssigneeId { get; set; }

    /// <summary>The team responsible for it; its members see it under "my teams".</summary>
    public Guid? TeamId { get; set; }

    /// <summary>Customer messages no agent has opened yet; the inbox sets it back to 0 when one does.</summary>
    public int UnreadCount { get; set; }

    /// <summary>Since when the customer waits for a reply (first unanswered message); the SLA counts from here.</summary>
    public DateTime? AwaitingReplySince { get; set; }

    /// <summary>A snoozed conversation opens again at this time, or earlier when the customer writes.</summary>
    public DateTime? SnoozedUntil { get; set; }

    public DateTime? LastInboundAt { get; set; }

    /// <summary>The campaign whose message came last into this thread; the customer's answer counts as its reply.</summary>
    public Guid? CampaignId { get; set; }
    public required DateTime LastMessageAt { get; set; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; set; }

    public DateTime? WindowClosesAt => LastInboundAt + ServiceWindow;

    public bool IsWindowOpen(DateTime now) => WindowClosesAt > now;
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> builder)
    {
        builder.ToTable("conversations");
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        builder.Ignore(c => c.WindowClosesAt);
        builder.HasIndex(c => new { c.ContactId, c.WhatsAppNumberId }).IsUnique();
        builder.HasIndex(c => new { c.WorkspaceId, c.UpdatedAt });
        builder.HasIndex(c => new { c.WorkspaceId, c.Status, c.LastMessageAt });
        builder.HasIndex(c => c.SnoozedUntil).HasFilter("status = 'Snoozed'");
        builder.HasIndex(c => c.AssigneeId).HasFilter("assignee_id IS NOT NULL");
        builder.HasIndex(c => c.TeamId).HasFilter("team_id IS NOT NULL");
        builder.HasIndex(c => c.CampaignId).HasFilter("campaign_id IS NOT NULL");
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(c => c.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<WhatsAppNumber>().WithMany().HasForeignKey(c => c.WhatsAppNumberId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<User>().WithMany().HasForeignKey(c => c.AssigneeId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Team>().WithMany().HasForeignKey(c => c.TeamId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Campaigns.Campaign>().WithMany().HasForeignKey(c => c.CampaignId).OnDelete(DeleteBehavior.SetNull);
    }
}
