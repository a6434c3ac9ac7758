namespace Parley.Identity;

/// <summary>The roles a person or an API key holds in one workspace, from most to least powerful.</summary>
public enum Role
{
    Owner,
    Admin,
    Supervisor,
    Agent,
    Marketer,
    Viewer,
}

/// <summary>
/// What a role may do. Features check permissions, never roles, so a new feature adds a permission here
/// and grants it to the roles that need it.
/// </summary>
public enum Permission
{
    ManageWorkspace,
    ManageUsers,
    ManageApiKeys,
    ViewAuditLog,
    ViewWorkspace,
    RevealPhoneNumbers,
    ManageChannels,
    ViewConversations,
    SendMessages,
    ManageInbox,
}

public static class Roles
{
    public static readonly IReadOnlyList<Role> All = Enum.GetValues<Role>();

    private static readonly Dictionary<Role, HashSet<Permission>> Grants = new()
    {
        [Role.Owner] = [.. Enum.GetValues<Permission>()],
        [Role.Admin] = [Permission.ManageUsers, Permission.ManageApiKeys, Permission.ViewAuditLog, Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ManageChannels, Permission.ViewConversations, Permission.SendMessages, Permission.ManageInbox],
        [Role.Supervisor] = [Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ViewConversations, Permission.SendMessages],
        [Role.Agent] = [Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ViewConversations, Permission.SendMessages],
        [Role.Marketer] = [Permission.ViewWorkspace],
        [Role.Viewer] = [Permission.ViewWorkspace, Permission.ViewConversations],
    };

    public static bool Has(this Role role, Permission permission) => Grants[role].Contains(permission);

    /// <summary>Only an owner makes owners; admins hand out every other role.</summary>
    public static bool CanGrant(this Role granter, Role role) =>
        granter == Role.Owner || (granter.Has(Permission.ManageUsers) && role != Role.Owner);

    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    /// <summary>The English label shown in the UI (and the key of its translation).</summary>
    public static string Label(string name) => TryParse(name, out var role) ? role.ToString() : name;

    public static Role Parse(string name) =>
        TryParse(name, out var role) ? role : throw new FormatException($"Unknown role '{name}'.");

    public static bool TryParse(string? name, out Role role)
    {
        role = default;
        return name is not null
            && !int.TryParse(name, out _)
            && Enum.TryParse(name, ignoreCase: true, out role)
            && Enum.IsDefined(role);
    }

    public static string Names => string.Join(", ", All.Select(Name));
}
