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

    /// <summary>Teams, their members and automatic assignment; agents' availability and capacity.</summary>
    ManageTeams,

    /// <summary>See contacts' consent and its history (no phone numbers in it).</summary>
    ViewConsent,

    /// <summary>Record a grant or withdrawal a person made (e.g. on the phone).</summary>
    RecordConsent,

    /// <summary>Purposes, wordings, objection keywords, the public consent page.</summary>
    ManageConsent,

    /// <summary>Read contacts, labels, lists, segments and attribute definitions (never numbers without <see cref="RevealPhoneNumbers"/>).</summary>
    ViewContacts,

    /// <summary>Create and change contacts, labels, lists and segments; import, export and merge.</summary>
    ManageContacts,

    /// <summary>Define the workspace's custom contact attributes.</summary>
    ManageAttributes,

    /// <summary>Delete contacts with their conversations.</summary>
    DeleteContacts,

    /// <summary>Inbox settings: the first-response target and canned replies.</summary>
    ManageInbox,

    /// <summary>Retention rules: how long message content, media, resolved conversations and the audit log are kept.</summary>
    ManageRetention,

    /// <summary>See campaigns, their dashboards and recipients (by customer ID).</summary>
    ViewCampaigns,

    /// <summary>Plan, start, pause, resume and cancel campaigns.</summary>
    ManageCampaigns,
}

public static class Roles
{
    public static readonly IReadOnlyList<Role> All = Enum.GetValues<Role>();

    private static readonly Dictionary<Role, HashSet<Permission>> Grants = new()
    {
        [Role.Owner] = [.. Enum.GetValues<Permission>()],
        [Role.Admin] = [Permission.ManageUsers, Permission.ManageApiKeys, Permission.ViewAuditLog, Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ManageChannels, Permission.ViewConversations, Permission.SendMessages, Permission.ViewContacts, Permission.ManageContacts, Permission.ManageAttributes, Permission.DeleteContacts, Permission.ViewConsent, Permission.RecordConsent, Permission.ManageConsent, Permission.ManageTeams, Permission.ManageInbox, Permission.ManageRetention, Permission.ViewCampaigns, Permission.ManageCampaigns],
        [Role.Supervisor] = [Permission.ViewCampaigns, Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ViewConversations, Permission.SendMessages, Permission.ViewContacts, Permission.ManageContacts, Permission.ManageAttributes, Permission.ViewConsent, Permission.RecordConsent],
        [Role.Agent] = [Permission.ViewWorkspace, Permission.RevealPhoneNumbers, Permission.ViewConversations, Permission.SendMessages, Permission.ViewContacts, Permission.ManageContacts, Permission.ViewConsent, Permission.RecordConsent],
        [Role.Marketer] = [Permission.ViewCampaigns, Permission.ManageCampaigns, Permission.ViewWorkspace, Permission.ViewContacts, Permission.ManageContacts, Permission.ManageAttributes, Permission.ViewConsent],
        [Role.Viewer] = [Permission.ViewCampaigns, Permission.ViewWorkspace, Permission.ViewConversations, Permission.ViewContacts, Permission.ViewConsent],
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
