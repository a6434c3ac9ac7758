using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity;

public sealed record MemberView(Guid Id, string Email, string DisplayName, string Role, DateTime AddedAt);

public sealed record AddedMember(MemberView Member, string? InitialPassword);

/// <summary>
/// People in the current workspace. The API, the web UI and the command line all go through here, so the
/// rules hold everywhere: only owners make or touch owners, and the last owner cannot leave.
/// </summary>
public sealed class Members(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public async Task<List<MemberView>> ListAsync(CancellationToken cancellationToken) =>
        await Project(db.Memberships.AsNoTracking().OrderBy(m => m.User!.Email)).ToListAsync(cancellationToken);

    public Task<MemberView?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        Project(db.Memberships.AsNoTracking().Where(m => m.UserId == userId)).FirstOrDefaultAsync(cancellationToken);

    private static IQueryable<MemberView> Project(IQueryable<Membership> memberships) =>
        memberships.Select(m => new MemberView(m.UserId, m.User!.Email, m.User.DisplayName, Roles.Name(m.Role), m.CreatedAt));

    /// <summary>Adds a person; a new account gets a generated password, an existing one just joins.</summary>
    public async Task<Outcome<AddedMember>> AddAsync(string? email, string? displayName, string? role, CancellationToken cancellationToken)
    {
        if (EmailProblem(email) is { } emailProblem)
        {
            return OperationError.Invalid("email", emailProblem);
        }

        if (RoleProblem(role, out var parsedRole) is { } roleProblem)
        {
            return roleProblem;
        }

        var normalised = User.NormaliseEmail(email!);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalised, cancellationToken);
        if (user is not null && await db.Memberships.AnyAsync(m => m.UserId == user.Id, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This person is already a member of the workspace.", "email");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        string? password = null;
        if (user is null)
        {
            var name = string.IsNullOrWhiteSpace(displayName) ? normalised.Split('@')[0] : displayName.Trim();
            if (name.Length > 200)
            {
                return OperationError.Invalid("displayName", "A display name has at most 200 characters.");
            }

            password = Passwords.Generate();
            user = new User { Email = normalised, DisplayName = name, PasswordHash = "", SecurityStamp = User.NewSecurityStamp(), CreatedAt = now };
            user.PasswordHash = Passwords.Hash(user, password);
            db.Users.Add(user);
        }

        db.Memberships.Add(new Membership { WorkspaceId = workspace.RequiredWorkspaceId, UserId = user.Id, Role = parsedRole, CreatedAt = now });
        audit.Add("member.added", "user", user.Id, $"role {Roles.Name(parsedRole)}");
        await db.SaveChangesAsync(cancellationToken);
        return new AddedMember(new MemberView(user.Id, user.Email, user.DisplayName, Roles.Name(parsedRole), now), password);
    }

    public async Task<Outcome<MemberView>> ChangeRoleAsync(Guid userId, string? role, CancellationToken cancellationToken)
    {
        if (RoleProblem(role, out var newRole) is { } roleProblem)
        {
            return roleProblem;
        }

        var membership = await db.Memberships.Include(m => m.User).FirstOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return OperationError.NotFound;
        }

        if (membership.Role == newRole)
        {
            return View(membership);
        }

        if (CannotTouch(membership) is { } refused)
        {
            return refused;
        }

        if (membership.Role == Role.Owner && await IsLastOwnerAsync(cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "The workspace needs at least one owner. Make someone else owner first.", "role");
        }

        audit.Add("member.role_changed", "user", userId, $"{Roles.Name(membership.Role)} → {Roles.Name(newRole)}");
        membership.Role = newRole;
        await db.SaveChangesAsync(cancellationToken);
        return View(membership);
    }

    public async Task<OperationError?> RemoveAsync(Guid userId, CancellationToken cancellationToken)
    {
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return OperationError.NotFound;
        }

        if (CannotTouch(membership) is { } refused)
        {
            return refused;
        }

        if (membership.Role == Role.Owner && await IsLastOwnerAsync(cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "The last owner cannot be removed. Make someone else owner first.");
        }

        db.Memberships.Remove(membership);
        await Teams.TeamRoster.LeaveWorkspaceAsync(db, userId, cancellationToken);
        audit.Add("member.removed", "user", userId, $"role {Roles.Name(membership.Role)}");
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private OperationError? CannotTouch(Membership membership) =>
        !workspace.Role.CanGrant(membership.Role)
            ? new OperationError(ErrorKind.Forbidden, "Only an owner can change or remove an owner.")
            : null;

    private OperationError? RoleProblem(string? role, out Role parsed)
    {
        if (!Roles.TryParse(role, out parsed))
        {
            return OperationError.Invalid("role", $"Role must be one of: {Roles.Names}.");
        }

        if (!workspace.Role.CanGrant(parsed))
        {
            return new OperationError(ErrorKind.Forbidden, $"Your role ({Roles.Name(workspace.Role)}) cannot grant the role {Roles.Name(parsed)}.", "role");
        }

        return null;
    }

    private async Task<bool> IsLastOwnerAsync(CancellationToken cancellationToken) =>
        await db.Memberships.CountAsync(m => m.Role == Role.Owner, cancellationToken) <= 1;

    private static MemberView View(Membership m) => new(m.UserId, m.User!.Email, m.User.DisplayName, Roles.Name(m.Role), m.CreatedAt);

    public static string? EmailProblem(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return "An e-mail address is required.";
        }

        var trimmed = email.Trim();
        return trimmed.Length > 320 || !MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed || !trimmed.Contains('.', StringComparison.Ordinal)
            ? "This is not a valid e-mail address."
            : null;
    }
}
