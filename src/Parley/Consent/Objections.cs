using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Consent;

/// <summary>
/// An objection that outlives an erased contact: the person's number as a keyed hash (never the number),
/// the purpose, and when. While it stands, nobody but the person can grant that purpose to the number
/// again — not an import of an old list, not the API, not an agent.
/// </summary>
public sealed class ConsentObjection
{
    public required Guid WorkspaceId { get; init; }

    /// <summary>HMAC-SHA256 of the number's digits under the workspace's key, in hex.</summary>
    public required string IdentifierHash { get; init; }

    public required string Purpose { get; init; }
    public required DateTime ObjectedAt { get; init; }
}

/// <summary>The workspace's key for <see cref="ConsentObjection.IdentifierHash"/>, encrypted at rest (<see cref="Secrets"/>).</summary>
public sealed class ConsentObjectionKey
{
    public required Guid WorkspaceId { get; init; }
    public required string ProtectedKey { get; init; }
    public required DateTime CreatedAt { get; init; }
}

internal sealed class ConsentObjectionConfiguration : IEntityTypeConfiguration<ConsentObjection>
{
    public void Configure(EntityTypeBuilder<ConsentObjection> builder)
    {
        builder.ToTable("consent_objections");
        builder.HasKey(o => new { o.WorkspaceId, o.IdentifierHash, o.Purpose });
        builder.Property(o => o.IdentifierHash).HasMaxLength(64);
        builder.Property(o => o.Purpose).HasMaxLength(64);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(o => o.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ConsentObjectionKeyConfiguration : IEntityTypeConfiguration<ConsentObjectionKey>
{
    public void Configure(EntityTypeBuilder<ConsentObjectionKey> builder)
    {
        builder.ToTable("consent_objection_keys");
        builder.HasKey(k => k.WorkspaceId);
        builder.Property(k => k.ProtectedKey).HasMaxLength(1000);
        builder.HasOne<Workspace>().WithOne().HasForeignKey<ConsentObjectionKey>(k => k.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>
/// Keeps, checks and lifts the objections of erased people. An erasure leaves one for marketing and for
/// every purpose the person had withdrawn; a grant recorded by anyone else for that number is refused; the
/// person's own opt-in (START, the consent page confirmed from WhatsApp) lifts it. The key is per workspace,
/// so one workspace's hashes say nothing about another's.
/// </summary>
public sealed class Objections(ParleyDb db, WorkspaceContext workspace, Secrets secrets, TimeProvider clock)
{
    /// <summary>Adds the objections for the erased contact's number (without saving: the erasure commits them).</summary>
    public async Task RememberAsync(Contact contact, IEnumerable<string> purposes, CancellationToken cancellationToken)
    {
        if (Identifiers(contact.Phone, contact.WaId).Count == 0)
        {
            return;
        }

        var hashes = Hashes((await KeyAsync(create: true, cancellationToken))!, contact.Phone, contact.WaId);
        var kept = (await db.ConsentObjections.Where(o => hashes.Contains(o.IdentifierHash)).Select(o => new { o.IdentifierHash, o.Purpose }).ToListAsync(cancellationToken))
            .Select(o => (o.IdentifierHash, o.Purpose)).ToHashSet();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (hash, purpose) in hashes.SelectMany(h => purposes.Distinct().Select(p => (h, p))).Where(o => !kept.Contains(o)))
        {
            db.ConsentObjections.Add(new ConsentObjection { WorkspaceId = workspace.RequiredWorkspaceId, IdentifierHash = hash, Purpose = purpose, ObjectedAt = now });
        }
    }

    /// <summary>When the number objected to the purpose; null if it did not (or no one was ever erased here).</summary>
    public async Task<DateTime?> ObjectedAsync(string? phone, string? waId, string purpose, CancellationToken cancellationToken)
    {
        if (await KeyAsync(create: false, cancellationToken) is not { } key)
        {
            return null;
        }

        var hashes = Hashes(key, phone, waId);
        return await db.ConsentObjections.Where(o => hashes.Contains(o.IdentifierHash) && o.Purpose == purpose).MaxAsync(o => (DateTime?)o.ObjectedAt, cancellationToken);
    }

    /// <summary>
    /// A check of many numbers (an import) with one query: the workspace's objections are few — only erased
    /// people who had objected leave one.
    /// </summary>
    public async Task<Func<string?, string?, string, DateTime?>> MatcherAsync(CancellationToken cancellationToken)
    {
        var key = await KeyAsync(create: false, cancellationToken);
        if (key is null)
        {
            return (_, _, _) => null;
        }

        var objections = await db.ConsentObjections.AsNoTracking().ToDictionaryAsync(o => (o.IdentifierHash, o.Purpose), o => o.ObjectedAt, cancellationToken);
        return (phone, waId, purpose) => objections.Count == 0
            ? null
            : Hashes(key, phone, waId).Select(h => objections.TryGetValue((h, purpose), out var at) ? at : (DateTime?)null).Max();
    }

    /// <summary>The person opted in again themselves: their objection to the purpose ends (without saving).</summary>
    public async Task LiftAsync(Contact contact, string purpose, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(create: false, cancellationToken);
        if (key is null)
        {
            return;
        }

        var hashes = Hashes(key, contact.Phone, contact.WaId);
        db.ConsentObjections.RemoveRange(await db.ConsentObjections.Where(o => hashes.Contains(o.IdentifierHash) && o.Purpose == purpose).ToListAsync(cancellationToken));
    }

    /// <summary>A number's digits, as the phone (E.164 without its plus) and the wa_id give them.</summary>
    private static List<string> Identifiers(string? phone, string? waId) =>
        new[] { phone?.TrimStart('+'), waId }.OfType<string>().Where(i => i.Length > 0).Distinct().ToList();

    private static List<string> Hashes(byte[] key, string? phone, string? waId) =>
        [.. Identifiers(phone, waId).Select(i => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(i))))];

    /// <summary>Why a grant for a number that objected before its erasure is refused, and what can be done.</summary>
    public static string Message(string purpose, DateTime objectedAt) =>
        $"This number objected to {purpose} and was erased on {objectedAt:yyyy-MM-dd}; only the person can opt in again: through the consent page" +
        (purpose == Purposes.Marketing ? " or by sending START on WhatsApp." : ".");

    private async Task<byte[]?> KeyAsync(bool create, CancellationToken cancellationToken)
    {
        var stored = await db.ConsentObjectionKeys.AsNoTracking().Select(k => k.ProtectedKey).FirstOrDefaultAsync(cancellationToken);
        if (stored is null && create)
        {
            // Two erasures at once may both get here: the first key stays, and both read it back.
            var id = workspace.RequiredWorkspaceId;
            var candidate = secrets.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            var now = clock.GetUtcNow().UtcDateTime;
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO consent_objection_keys (workspace_id, protected_key, created_at) VALUES ({id}, {candidate}, {now}) ON CONFLICT DO NOTHING",
                cancellationToken);
            stored = await db.ConsentObjectionKeys.AsNoTracking().Select(k => k.ProtectedKey).FirstAsync(cancellationToken);
        }

        return stored is null ? null : Convert.FromBase64String(secrets.Unprotect(stored));
    }
}
