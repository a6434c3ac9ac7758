using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Identity;

/// <summary>A user's role in one workspace.</summary>
public sealed class Membership
{
    public required Guid WorkspaceId { get; init; }
    public required Guid UserId { get; init; }
    public required Role Role { get; set; }
    public required DateTime CreatedAt { get; init; }

    public User? User { get; init; }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> builder)
    {
        builder.ToTable("memberships");
        builder.HasKey(m => new { m.WorkspaceId, m.UserId });
        builder.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(m => m.UserId);
    }
}
