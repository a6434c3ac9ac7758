namespace Parley.Identity;

/// <summary>
/// Who is acting, in which workspace, with which role — for the current request or unit of work.
/// Filled in once by <see cref="WorkspaceMiddleware"/> (or by the command line); the database's
/// query filters read <see cref="WorkspaceId"/>.
/// </summary>
public sealed class WorkspaceContext
{
    public Guid? WorkspaceId { get; private set; }
    public string? Slug { get; private set; }
    public Role Role { get; private set; } = Role.Viewer;
    public Actor Actor { get; private set; } = Actor.System;

    public Guid RequiredWorkspaceId => WorkspaceId ?? throw new InvalidOperationException("No workspace is selected for this unit of work.");

    public void Enter(Guid workspaceId, string? slug, Role role, Actor actor)
    {
        if (WorkspaceId is not null && WorkspaceId != workspaceId)
        {
            throw new InvalidOperationException("A unit of work acts for one workspace only.");
        }

        WorkspaceId = workspaceId;
        Slug = slug;
        Role = role;
        Actor = actor;
    }

    public bool Can(Permission permission) => WorkspaceId is not null && Role.Has(permission);
}

/// <summary>Who did something, as written to the audit log.</summary>
public sealed record Actor(string Kind, Guid? Id)
{
    public static readonly Actor System = new("system", null);
    public static readonly Actor CommandLine = new("cli", null);

    public static Actor ForUser(Guid id) => new("user", id);

    public static Actor ForApiKey(Guid id) => new("apikey", id);
}
