using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>What an agent does to a conversation besides writing: status, snooze, reading it.</summary>
public sealed partial class ConversationActions(ParleyDb db, GraphClient graph, TimeProvider clock, ILogger<ConversationActions> logger)
{
    public async Task<OperationError?> SetStatusAsync(Guid conversationId, string? status, DateTime? snoozeUntil, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            return OperationError.NotFound;
        }

        if (!Enum.TryParse<ConversationStatus>(status, ignoreCase: true, out var wanted) || int.TryParse(status, out _))
        {
            return OperationError.Invalid("status", "status is one of open, pending, snoozed, resolved.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (wanted == ConversationStatus.Snoozed)
        {
            if (snoozeUntil is not { } until || until.AsUtc() <= now)
            {
                return OperationError.Invalid("snoozeUntil", "Choose a time in the future to snooze until.");
            }

            conversation.SnoozedUntil = until.AsUtc();
        }
        else
        {
            conversation.SnoozedUntil = null;
        }

        conversation.Status = wanted;
        conversation.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>
    /// An agent opened the conversation: its unread count goes to 0 and, if the customer wrote since,
    /// WhatsApp is told the messages were read (blue ticks). A failing read receipt never stops the page.
    /// </summary>
    public async Task OpenedAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is not { UnreadCount: > 0 })
        {
            return;
        }

        conversation.UnreadCount = 0;
        await db.SaveChangesAsync(cancellationToken);
        var result = await MarkReadAsync(conversationId, typing: false, cancellationToken);
        if (result is not GraphAccepted and not null)
        {
            LogReadReceiptFailed(logger, conversationId, result.GetType().Name);
        }
    }

    /// <summary>Marks the customer's last message read on WhatsApp; null when they wrote nothing that can be.</summary>
    public async Task<GraphResult?> MarkReadAsync(Guid conversationId, bool typing, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.AsNoTracking().FirstAsync(c => c.Id == conversationId, cancellationToken);
        var last = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.Direction == MessageDirection.Inbound && m.ProviderMessageId != null)
            .OrderByDescending(m => m.CreatedAt).Select(m => m.ProviderMessageId).FirstOrDefaultAsync(cancellationToken);
        if (last is null)
        {
            return null;
        }

        var number = await db.WhatsAppNumbers.FirstAsync(n => n.Id == conversation.WhatsAppNumberId, cancellationToken);
        return await graph.MarkReadAsync(number, last, typing, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Read receipt for conversation {ConversationId} not accepted ({Result})")]
    private static partial void LogReadReceiptFailed(ILogger logger, Guid conversationId, string result);
}
