using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Inbox;

public enum MediaState
{
    Pending,
    Stored,
    Failed,

    /// <summary>The file was deleted by the workspace's retention rules; the row says so on the message.</summary>
    Expired,
}

/// <summary>
/// A file in Parley's media store. Either a picture, voice note, video, document or sticker a customer
/// sent — WhatsApp keeps it only for a while, so Parley downloads it (retrying until it succeeds or
/// WhatsApp says it is gone; a failure stays visible on the message, it is never dropped silently) —
/// or a file uploaded through <c>POST /api/v1/media</c> to be sent (no message, number or WhatsApp id:
/// each number gets its own WhatsApp media id when it first sends the file, see <c>MediaUpload</c>).
/// </summary>
public sealed class MediaFile
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }

    /// <summary>The inbound message the file came with; null for an upload.</summary>
    public Guid? MessageId { get; init; }

    public Guid? WhatsAppNumberId { get; init; }
    public string? ProviderMediaId { get; init; }
    public string? MimeType { get; set; }
    public string? Sha256 { get; set; }
    public string? FileName { get; set; }
    public long? Size { get; set; }
    public MediaState State { get; set; }
    public int Attempts { get; set; }
    public required DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public required DateTime CreatedAt { get; init; }
}

internal sealed class MediaFileConfiguration : IEntityTypeConfiguration<MediaFile>
{
    public void Configure(EntityTypeBuilder<MediaFile> builder)
    {
        builder.ToTable("media_files");
        builder.Property(m => m.ProviderMediaId).HasMaxLength(128);
        builder.Property(m => m.MimeType).HasMaxLength(128);
        builder.Property(m => m.Sha256).HasMaxLength(128);
        builder.Property(m => m.FileName).HasMaxLength(255);
        builder.Property(m => m.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(m => m.LastError).HasMaxLength(1000);
        builder.HasIndex(m => new { m.State, m.NextAttemptAt });
        builder.HasIndex(m => m.MessageId).IsUnique();
        builder.HasOne<Message>().WithOne().HasForeignKey<MediaFile>(m => m.MessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
