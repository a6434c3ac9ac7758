using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// The WhatsApp media id a file of the media store got when one business number uploaded it. Media ids
/// belong to the number that uploaded them and expire after 30 days, so each number uploads a file once
/// and reuses the id while it is comfortably valid (<see cref="OutboundMedia"/>).
/// </summary>
public sealed class MediaUpload
{
    public required Guid MediaFileId { get; init; }
    public required Guid WhatsAppNumberId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required string ProviderMediaId { get; set; }
    public required DateTime UploadedAt { get; set; }
    public required DateTime ExpiresAt { get; set; }
}

internal sealed class MediaUploadConfiguration : IEntityTypeConfiguration<MediaUpload>
{
    public void Configure(EntityTypeBuilder<MediaUpload> builder)
    {
        builder.ToTable("media_uploads");
        builder.HasKey(u => new { u.MediaFileId, u.WhatsAppNumberId });
        builder.Property(u => u.ProviderMediaId).HasMaxLength(128);
        builder.HasOne<MediaFile>().WithMany().HasForeignKey(u => u.MediaFileId).OnDelete(DeleteBehavior.Cascade);
    }
}
