using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;

namespace Parley.Teams;

public enum Availability
{
    Offline,
    Away,
    Online,
}

/// <summary>
/// A workspace member as an agent: the availability they chose, when they were last active, how many
/// open conversations they take at most, and when the assigner last gave them one. Made the first time
/// someone sets any of it; a member without a row is offline with the default capacity. Leaving the
/// workspace deletes the row (foreign key to the membership).
/// </summary>
public sealed class Agent
{
    public required Guid WorkspaceId { get; init; }
    public required Guid UserId { get; init; }
    public Availability Availability { get; set; } = Availability.Offline;
    public required DateTime AvailabilityChangedAt { get; set; }

    /// <summary>The last signed-in request in this workspace (written at most once a minute).</summary>
    public DateTime? LastSeenAt { get; set; }

    /// <summary>Open conversations this agent takes at most from the assigner; null: <see cref="TeamsOptions.DefaultCapacity"/>.</summary>
    public int? MaxOpenConversations { get; set; }

    /// <summary>When the assigner last gave this agent a conversation; the longest-waiting agent goes next.</summary>
    public DateTime? LastAssignedAt { get; set; }
}

internal sealed class AgentConfiguration : IEntityTypeConfiguration<Agent>
{
    public void Configure(EntityTypeBuilder<Agent> builder)
    {
        builder.ToTable("agents");
        builder.HasKey(a => new { a.WorkspaceId, a.UserId });
        builder.Property(a => a.Availability).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<Membership>().WithMany().HasForeignKey(a => new { a.WorkspaceId, a.UserId }).OnDelete(DeleteBehavior.Cascade);
    }
}
