using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Identity;

/// <summary>
/// A key for <c>/api/v1</c>, scoped to one workspace and one role. Only a SHA-256 hash of the secret is
/// stored (the secret is 190 random bits, so a fast hash is enough); the secret is shown once.
/// </summary>
public sealed class ApiKey
{
    public const string SecretPrefix = "pk_";

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Name { get; set; }
    public required Role Role { get; init; }

    /// <summary>The first characters of the secret, so people can tell their keys apart.</summary>
    public required string Hint { get; init; }

    public required string SecretHash { get; init; }
    public required DateTime CreatedAt { get; init; }
    public Guid? CreatedBy { get; init; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }

    public static (string Secret, string Hint, string Hash) NewSecret()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var secret = SecretPrefix + RandomNumberGenerator.GetString(alphabet, 34);
        return (secret, secret[..(SecretPrefix.Length + 6)], Hash(secret));
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Hint).HasMaxLength(16);
        builder.Property(k => k.SecretHash).HasMaxLength(64);
        builder.HasIndex(k => k.SecretHash).IsUnique();
        builder.HasIndex(k => k.WorkspaceId);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(k => k.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}
