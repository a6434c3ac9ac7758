using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>A workspace's inbox settings; a workspace without a row uses the defaults.</summary>
public sealed class InboxSettings
{
    public const int DefaultFirstResponseMinutes = 60;

    public required Guid WorkspaceId { get; init; }

    /// <summary>The first-response target (SLA): how soon a waiting customer should get a reply.</summary>
    public required int FirstResponseMinutes { get; set; }

    public required DateTime UpdatedAt { get; set; }
}

internal sealed class InboxSettingsConfiguration : IEntityTypeConfiguration<InboxSettings>
{
    public void Configure(EntityTypeBuilder<InboxSettings> builder)
    {
        builder.ToTable("inbox_settings");
        builder.HasKey(s => s.WorkspaceId);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
