using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

public sealed record AssignmentView(Guid ConversationId, Guid? AssigneeId, Guid? TeamId);

/// <summary>
/// Who answers a conversation: an agent of the workspace, a team, both or neither. Every change is
/// audited in the same SaveChanges. The people a conversation can go to are members who may send.
/// </summary>
public sealed class Assignments(ParleyDb db, AuditLog audit, TimeProvider clock)
{
    public async Task<Outcome<AssignmentView>> AssignAsync(Guid conversationId, Guid? assigneeId, Guid? teamId, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            return OperationError.NotFound;
        }

        if (assigneeId is { } userId)
        {
            var role = await db.Memberships.Where(m => m.UserId == userId).Select(m => (Role?)m.Role).FirstOrDefaultAsync(cancellationToken);
            if (role is null)
            {
                return OperationError.Invalid("assigneeId", "assigneeId is not a member of this workspace.");
            }

            if (!role.Value.Has(Permission.SendMessages))
            {
                return OperationError.Invalid("assigneeId", "This member's role cannot answer conversations; choose an agent, supervisor, admin or owner.");
            }
        }

        if (teamId is { } team && !await db.Teams.AnyAsync(t => t.Id == team, cancellationToken))
        {
            return OperationError.Invalid("teamId", "teamId is not a team of this workspace.");
        }

        if (conversation.AssigneeId != assigneeId || conversation.TeamId != teamId)
        {
            audit.Add("conversation.assigned", "conversation", conversation.Id,
                $"assignee {Describe(conversation.AssigneeId)} → {Describe(assigneeId)}, team {Describe(conversation.TeamId)} → {Describe(teamId)}");
            conversation.AssigneeId = assigneeId;
            conversation.TeamId = teamId;
            conversation.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new AssignmentView(conversation.Id, conversation.AssigneeId, conversation.TeamId);
    }

    private static string Describe(Guid? id) => id?.ToString() ?? "none";
}
