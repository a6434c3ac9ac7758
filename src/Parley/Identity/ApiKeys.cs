using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity;

public sealed record ApiKeyView(Guid Id, string Name, string Role, string Hint, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

public sealed record CreatedApiKey(ApiKeyView Key, string Secret);

/// <summary>API keys of the current workspace. A key can be given at most the role its creator could grant, and never owner.</summary>
public sealed class ApiKeys(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public async Task<List<ApiKeyView>> ListAsync(CancellationToken cancellationToken) =>
        await Project(db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt)).ToListAsync(cancellationToken);

    public Task<ApiKeyView?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        Project(db.ApiKeys.AsNoTracking().Where(k => k.Id == id)).FirstOrDefaultAsync(cancellationToken);

    private static IQueryable<ApiKeyView> Project(IQueryable<ApiKey> keys) =>
        keys.Select(k => new ApiKeyView(k.Id, k.Name, Roles.Name(k.Role), k.Hint, k.CreatedAt, k.LastUsedAt, k.RevokedAt));

    public async Task<Outcome<CreatedApiKey>> CreateAsync(string? name, string? role, CancellationToken cancellationToken)
    {
        name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (name is null)
        {
            return OperationError.Invalid("name", "A name is required, so people can tell keys apart (e.g. 'CRM sync').");
        }

        if (name.Length > 100)
        {
            return OperationError.Invalid("name", "A name has at most 100 characters.");
        }

        if (!Roles.TryParse(role, out var parsed) || parsed == Role.Owner)
        {
            return OperationError.Invalid("role", $"Role must be one of: {string.Join(", ", Roles.All.Where(r => r != Role.Owner).Select(Roles.Name))}.");
        }

        if (!workspace.Role.CanGrant(parsed))
        {
            return new OperationError(ErrorKind.Forbidden, $"Your role ({Roles.Name(workspace.Role)}) cannot create a key with the role {Roles.Name(parsed)}.", "role");
        }

        var (secret, hint, hash) = ApiKey.NewSecret();
        var key = new ApiKey
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            Name = name,
            Role = parsed,
            Hint = hint,
            SecretHash = hash,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedBy = workspace.Actor.Id,
        };
        db.ApiKeys.Add(key);
        audit.Add("apikey.created", "apikey", key.Id, $"{name} ({Roles.Name(parsed)})");
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(new ApiKeyView(key.Id, key.Name, Roles.Name(key.Role), key.Hint, key.CreatedAt, null, null), secret);
    }

    /// <summary>Revokes a key at once; revoking a revoked key changes nothing.</summary>
    public async Task<Outcome<ApiKeyView>> RevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken);
        if (key is null)
        {
            return OperationError.NotFound;
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow().UtcDateTime;
            audit.Add("apikey.revoked", "apikey", key.Id, key.Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return new ApiKeyView(key.Id, key.Name, Roles.Name(key.Role), key.Hint, key.CreatedAt, key.LastUsedAt, key.RevokedAt);
    }
}
