using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox.Live;

/// <summary>
/// The inbox's live connection, at <c>/w/{workspace}/inbox/live</c>. The workspace comes from the URL
/// and the person's membership (<see cref="WorkspaceMiddleware"/> on the connecting request), so a
/// connection joins only its own workspace's group and only with <see cref="Permission.ViewConversations"/>.
/// The server pushes "changed" (a bell: fetch the feed from your cursor) and presence ("viewing",
/// "typing") of colleagues in the same conversation.
/// </summary>
[Authorize]
public sealed class InboxHub(ParleyDb db) : Hub
{
    public static string WorkspaceGroup(Guid workspaceId) => $"w:{workspaceId}";

    private static string ConversationGroup(Guid workspaceId, Guid conversationId) => $"c:{workspaceId}:{conversationId}";

    public override async Task OnConnectedAsync()
    {
        var workspace = Workspace();
        if (workspace is null || !workspace.Can(Permission.ViewConversations))
        {
            Context.Abort();
            return;
        }

        Context.Items["workspace"] = workspace.RequiredWorkspaceId;
        Context.Items["user"] = workspace.Actor.Id;
        await Groups.AddToGroupAsync(Context.ConnectionId, WorkspaceGroup(workspace.RequiredWorkspaceId));
    }

    /// <summary>The person looks at (or types in) a conversation of their workspace; colleagues there see it.</summary>
    public async Task Presence(Guid conversationId, string activity)
    {
        if (Context.Items["workspace"] is not Guid workspaceId || activity is not ("viewing" or "typing" or "left"))
        {
            return;
        }

        var exists = await db.Conversations.IgnoreQueryFilters().AnyAsync(c => c.Id == conversationId && c.WorkspaceId == workspaceId, Context.ConnectionAborted);
        if (!exists)
        {
            return;
        }

        var group = ConversationGroup(workspaceId, conversationId);
        if (activity == "left")
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
        }
        else
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        var userId = Context.Items["user"] as Guid?;
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).FirstOrDefaultAsync(Context.ConnectionAborted);
        await Clients.OthersInGroup(group).SendAsync("presence", new { conversationId, userId, name, activity });
    }

    private WorkspaceContext? Workspace() =>
        Context.GetHttpContext()?.RequestServices.GetService<WorkspaceContext>() is { WorkspaceId: not null } workspace ? workspace : null;
}
