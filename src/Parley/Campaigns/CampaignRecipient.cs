using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Inbox;

namespace Parley.Campaigns;

public enum RecipientState
{
    /// <summary>Waiting for its turn (the window, the tier budget, the numbers' pace).</summary>
    Pending,

    /// <summary>Its message is written and in the outbox; from here the message's status tells the rest.</summary>
    Queued,

    /// <summary>Never sent, for <see cref="CampaignRecipient.Reason"/>.</summary>
    Skipped,
    Cancelled,
}

/// <summary>
/// One person of a campaign's audience: written when the campaign is planned (with the sender number,
/// the filled-in variables, time zone and country), then queued once — the state change, the message and
/// its outbox row are one transaction, so a crash never sends twice and never skips anyone.
/// </summary>
public sealed class CampaignRecipient
{
    public const string NoConsent = "no_consent";
    public const string OptedOut = "opted_out";
    public const string FrequencyCap = "frequency_cap";
    public const string InvalidNumber = "invalid_number";
    public const string MissingVariable = "missing_variable";
    public const string Erased = "erased";

    /// <summary>The skip reason for a consent refusal: a withdrawal is an opt-out, no statement is no consent.</summary>
    public static string SkipFor(Consent.ConsentRefusal refusal) => SkipFor(refusal.Code);

    public static string SkipFor(string refusalCode) => refusalCode == Consent.ConsentPolicy.Withdrawn ? OptedOut : NoConsent;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required Guid CampaignId { get; init; }
    public required Guid ContactId { get; init; }

    /// <summary>The sticky sender: the number the customer already talks with, else an even spread over the pool.</summary>
    public Guid? WhatsAppNumberId { get; init; }
    public RecipientState State { get; set; }

    /// <summary>Why it was skipped (see the constants), or which variables came out empty.</summary>
    public string? Reason { get; set; }

    /// <summary>JSON object of the variables' values in the template's order (<c>{"1":"Erika"}</c>); emptied on erasure.</summary>
    public string? VariableValues { get; set; }

    /// <summary>IANA zone the daily window is counted in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>ISO 3166 region of the number (prices are per country); null when unknown.</summary>
    public string? Country { get; init; }
    public Guid? MessageId { get; set; }
    public DateTime? QueuedAt { get; set; }
    public DateTime? RepliedAt { get; set; }
}

internal sealed class CampaignRecipientConfiguration : IEntityTypeConfiguration<CampaignRecipient>
{
    public void Configure(EntityTypeBuilder<CampaignRecipient> builder)
    {
        builder.ToTable("campaign_recipients");
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(16).IsConcurrencyToken();
        builder.Property(r => r.Reason).HasMaxLength(200);
        builder.Property(r => r.VariableValues).HasMaxLength(8000);
        builder.Property(r => r.TimeZone).HasMaxLength(64);
        builder.Property(r => r.Country).HasMaxLength(2);
        builder.HasIndex(r => new { r.CampaignId, r.ContactId }).IsUnique();
        builder.HasIndex(r => new { r.CampaignId, r.State, r.WhatsAppNumberId, r.Id });
        builder.HasIndex(r => new { r.ContactId, r.QueuedAt });
        builder.HasIndex(r => new { r.WhatsAppNumberId, r.QueuedAt }).HasFilter("queued_at IS NOT NULL");
        builder.HasIndex(r => r.MessageId).HasFilter("message_id IS NOT NULL");
        builder.HasOne<Campaign>().WithMany().HasForeignKey(r => r.CampaignId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Contact>().WithMany().HasForeignKey(r => r.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.SetNull);
    }
}
