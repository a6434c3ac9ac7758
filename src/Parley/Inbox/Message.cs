using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Inbox;

public enum MessageDirection
{
    Inbound,
    Outbound,

    /// <summary>A private note between colleagues; never sent to WhatsApp.</summary>
    Internal,
}

/// <summary>
/// Delivery states, ordered: a status only ever moves up this list, so duplicates and out-of-order
/// webhooks cannot undo progress; <see cref="Failed"/> is terminal.
/// </summary>
public enum MessageStatus
{
    Received,
    Queued,
    Sent,
    Delivered,
    Read,
    Failed,
}

/// <summary>
/// One message of a conversation, in either direction. <see cref="Content"/> is the Cloud API object of
/// its type (e.g. <c>{"body":"…"}</c> for text) as JSON, so every kind WhatsApp has is kept whole.
/// </summary>
public sealed class Message
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required Guid ConversationId { get; init; }
    public required MessageDirection Direction { get; init; }

    /// <summary>WhatsApp's message id (<c>wamid.…</c>); unique, the key for deduplication and statuses.</summary>
    public string? ProviderMessageId { get; set; }

    public required string Type { get; init; }
    public required string Content { get; set; }

    /// <summary>The wamid this message replies to or reacts to.</summary>
    public string? ContextMessageId { get; init; }

    /// <summary>The person who wrote it in Parley (an agent's reply or note); none for the customer's and the API's.</summary>
    public Guid? AuthorId { get; init; }

    /// <summary>The composer's idempotency key: one click, one message, however often the request arrives.</summary>
    public string? ClientKey { get; init; }

    public MessageStatus Status { get; set; }
    public int? ErrorCode { get; set; }
    public string? ErrorTitle { get; set; }
    public string? ErrorDetails { get; set; }
    public string? PricingCategory { get; set; }
    public string? PricingType { get; set; }

    /// <summary>What the message is for (a consent purpose); checked against the contact's consent before it is queued and sent.</summary>
    public string Purpose { get; init; } = Consent.Purposes.Service;

    /// <summary>Why Parley refused to send it (e.g. <c>no_consent</c>); the message is then failed and never reaches WhatsApp.</summary>
    public string? Refusal { get; set; }

    public required DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? FailedAt { get; set; }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> builder)
    {
        builder.ToTable("messages");
        builder.Property(m => m.Direction).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.ProviderMessageId).HasMaxLength(200);
        builder.Property(m => m.ContextMessageId).HasMaxLength(200);
        builder.Property(m => m.Type).HasMaxLength(32);
        builder.Property(m => m.ErrorTitle).HasMaxLength(200);
        builder.Property(m => m.ErrorDetails).HasMaxLength(1000);
        builder.Property(m => m.PricingCategory).HasMaxLength(32);
        builder.Property(m => m.PricingType).HasMaxLength(32);
        builder.Property(m => m.Purpose).HasMaxLength(64);
        builder.Property(m => m.Refusal).HasMaxLength(32);
        builder.HasIndex(m => m.ProviderMessageId).IsUnique().HasFilter("provider_message_id IS NOT NULL");
        builder.HasIndex(m => new { m.ConversationId, m.CreatedAt });
        builder.Property(m => m.ClientKey).HasMaxLength(64);
        builder.HasIndex(m => new { m.ConversationId, m.ClientKey }).IsUnique().HasFilter("client_key IS NOT NULL");
        builder.HasIndex(m => m.AuthorId).HasFilter("author_id IS NOT NULL");
        builder.HasOne<User>().WithMany().HasForeignKey(m => m.AuthorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
    }
}
