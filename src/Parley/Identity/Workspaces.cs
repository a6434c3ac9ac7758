using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity;

public sealed record WorkspaceView(Guid Id, string Slug, string Name, DateTime CreatedAt);

/// <summary>Creating workspaces is an installation-level act (command line, demo seeding), so it works across tenants.</summary>
public sealed class Workspaces(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public async Task<Outcome<WorkspaceView>> CreateAsync(string? slug, string? name, Actor actor, CancellationToken cancellationToken)
    {
        if (Slugs.Problem(slug) is { } slugProblem)
        {
            return OperationError.Invalid("slug", slugProblem);
        }

        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return OperationError.Invalid("name", "A name of 1 to 200 characters is required.");
        }

        if (await db.Workspaces.IgnoreQueryFilters().AnyAsync(w => w.Slug == slug, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, $"A workspace with the slug '{slug}' exists already.", "slug");
        }

        var created = new Workspace { Slug = slug!, Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Workspaces.Add(created);
        workspace.Enter(created.Id, created.Slug, Role.Owner, actor);
        audit.Add("workspace.created", "workspace", created.Id, created.Slug);
        await db.SaveChangesAsync(cancellationToken);
        return new WorkspaceView(created.Id, created.Slug, created.Name, created.CreatedAt);
    }

    /// <summary>Enters an existing workspace for an installation-level actor (the command line).</summary>
    public async Task<bool> EnterAsync(string slug, Actor actor, CancellationToken cancellationToken)
    {
        var found = await db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == slug).Select(w => (Guid?)w.Id).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return false;
        }

        workspace.Enter(found.Value, slug, Role.Owner, actor);
        return true;
    }

    public async Task<IReadOnlyList<WorkspaceView>> ForUserAsync(Guid userId, CancellationToken cancellationToken) =>
        await db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId)
            .Join(db.Workspaces.IgnoreQueryFilters(), m => m.WorkspaceId, w => w.Id, (m, w) => w)
            .OrderBy(w => w.Name)
            .Select(w => new WorkspaceView(w.Id, w.Slug, w.Name, w.CreatedAt))
            .ToListAsync(cancellationToken);
}
