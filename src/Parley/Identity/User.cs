using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Identity;

/// <summary>
/// A person who signs in. A user belongs to workspaces through memberships, so a solution provider's
/// staff can work for several businesses with one account.
/// </summary>
public sealed class User
{
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Stored normalised (trimmed, lower case) so sign-in and uniqueness ignore case.</summary>
    public required string Email { get; set; }

    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }

    /// <summary>Changes whenever the password changes; a cookie carrying an older stamp is rejected.</summary>
    public required string SecurityStamp { get; set; }

    public int FailedSignInCount { get; set; }
    public DateTime? LockoutEndsAt { get; set; }

    /// <summary>"en" or "de"; null follows the browser's language.</summary>
    public string? Culture { get; set; }

    public required DateTime CreatedAt { get; init; }

    public static string NormaliseEmail(string email) => email.Trim().ToLowerInvariant();

    public static string NewSecurityStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.ToTable("users");
        builder.Property(u => u.Email).HasMaxLength(320);
        builder.Property(u => u.DisplayName).HasMaxLength(200);
        builder.Property(u => u.PasswordHash).HasMaxLength(200);
        builder.Property(u => u.SecurityStamp).HasMaxLength(64);
        builder.Property(u => u.Culture).HasMaxLength(8);
        builder.HasIndex(u => u.Email).IsUnique();
    }
}
