using Parley.Data;

namespace Parley.Identity;

/// <summary>
/// Adds audit entries to the current unit of work, so an entry is committed together with the change it
/// describes — or not at all. Details must never hold personal data beyond what the action needs.
/// </summary>
public sealed class AuditLog(ParleyDb db, WorkspaceContext workspace, TimeProvider clock, IHttpContextAccessor httpContextAccessor)
{
    /// <summary>An action inside the current workspace, by the current actor.</summary>
    public void Add(string action, string? targetKind = null, Guid? targetId = null, string? details = null) =>
        Write(workspace.RequiredWorkspaceId, workspace.Actor, action, targetKind, targetId, details);

    /// <summary>An entry about a person's own account (sign-in, password): it belongs to no single workspace.</summary>
    public void AddForAccount(string action, Guid? userId, string? details = null) =>
        Write(null, userId is { } id ? Actor.ForUser(id) : new Actor("anonymous", null), action, "user", userId, details);

    private void Write(Guid? workspaceId, Actor actor, string action, string? targetKind, Guid? targetId, string? details) =>
        db.AuditEntries.Add(new AuditEntry
        {
            WorkspaceId = workspaceId,
            At = clock.GetUtcNow().UtcDateTime,
            ActorKind = actor.Kind,
            ActorId = actor.Id,
            Action = action,
            TargetKind = targetKind,
            TargetId = targetId,
            IpAddress = httpContextAccessor.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            Details = details,
        });
}
