using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Applies one webhook item inside one unit of work. Every method is idempotent: a delivery that is
/// processed again after a crash ends in the same state.
/// </summary>
public sealed class WebhookRecorder(ParleyDb db, WorkspaceContext workspace, TimeProvider clock)
{
    public async Task ApplyAsync(WebhookItem item, CancellationToken cancellationToken)
    {
        var number = item.PhoneNumberId is null
            ? await db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.WabaId == item.WabaId && n.RemovedAt == null).OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken)
            : await db.WhatsAppNumbers.IgnoreQueryFilters().FirstOrDefaultAsync(n => n.PhoneNumberId == item.PhoneNumberId && n.RemovedAt == null, cancellationToken);
        if (number is null)
        {
            // Nobody here owns this number (any more): keep it where an operator can see it.
            await RecordEventAsync(null, item.WabaId, $"unrouted:{Field(item)}", Raw(item), cancellationToken);
            return;
        }

        workspace.Enter(number.WorkspaceId, null, Role.Owner, Actor.System);
        switch (item)
        {
            case InboundMessageItem message:
                await ApplyMessageAsync(number, message, cancellationToken);
                break;
            case StatusItem status:
                await ApplyStatusAsync(status.Status, cancellationToken);
                break;
            case EventItem @event:
                await RecordEventAsync(number.WorkspaceId, item.WabaId, @event.Field, @event.Value.GetRawText(), cancellationToken);
                break;
        }
    }

    private async Task ApplyMessageAsync(WhatsAppNumber number, InboundMessageItem item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        var wamid = WebhookPayload.Text(message, "id")!;
        if (await db.Messages.AnyAsync(m => m.ProviderMessageId == wamid, cancellationToken))
        {
            return; // A duplicate delivery.
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var contact = await FindOrCreateContactAsync(item, now, cancellationToken);
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.ContactId == contact.Id && c.WhatsAppNumberId == number.Id, cancellationToken);
        if (conversation is null)
        {
            conversation = new Conversation
            {
                WorkspaceId = number.WorkspaceId,
                ContactId = contact.Id,
                WhatsAppNumberId = number.Id,
                LastMessageAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Conversations.Add(conversation);
        }

        var type = WebhookPayload.Text(message, "type")!;
        var sentAt = WebhookPayload.Timestamp(message, "timestamp") ?? now;
        var recorded = new Message
        {
            WorkspaceId = number.WorkspaceId,
            ConversationId = conversation.Id,
            Direction = MessageDirection.Inbound,
            ProviderMessageId = wamid,
            Type = type,
            Content = ContentOf(message, type),
            ContextMessageId = ContextOf(message, type),
            Status = MessageStatus.Received,
            CreatedAt = sentAt,
        };
        if (message.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
        {
            SetError(recorded, errors[0]);
        }

        db.Messages.Add(recorded);
        if (type is "image" or "audio" or "video" or "document" or "sticker" && message.TryGetProperty(type, out var media) && WebhookPayload.Text(media, "id") is { } mediaId)
        {
            db.MediaFiles.Add(new MediaFile
            {
                WorkspaceId = number.WorkspaceId,
                MessageId = recorded.Id,
                WhatsAppNumberId = number.Id,
                ProviderMediaId = mediaId,
                MimeType = WebhookPayload.Text(media, "mime_type"),
                Sha256 = WebhookPayload.Text(media, "sha256"),
                FileName = WebhookPayload.Text(media, "filename"),
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }

        // Only the customer's own messages open or extend the 24-hour window.
        if (conversation.LastInboundAt is null || sentAt > conversation.LastInboundAt)
        {
            conversation.LastInboundAt = sentAt;
        }

        conversation.LastMessageAt = sentAt > conversation.LastMessageAt ? sentAt : conversation.LastMessageAt;
        conversation.UpdatedAt = now;
        if (conversation.Status is ConversationStatus.Resolved or ConversationStatus.Snoozed)
        {
            conversation.Status = ConversationStatus.Open;
        }

        if (type == "system" && WebhookPayload.Text(message.GetProperty("system"), "wa_id") is { } newWaId
            && !await db.Contacts.AnyAsync(c => c.WaId == newWaId, cancellationToken))
        {
            contact.WaId = newWaId;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<Contact> FindOrCreateContactAsync(InboundMessageItem item, DateTime now, CancellationToken cancellationToken)
    {
        var waId = item.From;
        var userId = item.FromUserId;
        var contact = waId is not null ? await db.Contacts.FirstOrDefaultAsync(c => c.WaId == waId, cancellationToken) : null;
        contact ??= userId is not null ? await db.Contacts.FirstOrDefaultAsync(c => c.UserId == userId, cancellationToken) : null;
        if (contact is null)
        {
            contact = new Contact { WorkspaceId = workspace.RequiredWorkspaceId, WaId = waId, UserId = userId, CreatedAt = now, UpdatedAt = now };
            db.Contacts.Add(contact);
        }

        contact.WaId ??= waId;
        contact.UserId ??= userId;
        if (item.Contact is { } sender && sender.TryGetProperty("profile", out var profile) && WebhookPayload.Text(profile, "name") is { } name)
        {
            contact.ProfileName = name.Length > 200 ? name[..200] : name;
        }

        contact.UpdatedAt = now;
        return contact;
    }

    /// <summary>
    /// Applies a status monotonically. A status for a wamid we don't know yet is matched by the
    /// <c>biz_opaque_callback_data</c> we sent (an ambiguous send is reconciled that way), or parked in
    /// pending_statuses until the sender stores the wamid.
    /// </summary>
    public async Task ApplyStatusAsync(JsonElement status, CancellationToken cancellationToken)
    {
        var wamid = WebhookPayload.Text(status, "id")!;
        var message = await db.Messages.FirstOrDefaultAsync(m => m.ProviderMessageId == wamid && m.Direction == MessageDirection.Outbound, cancellationToken);
        if (message is null && Guid.TryParse(WebhookPayload.Text(status, "biz_opaque_callback_data"), out var ourId))
        {
            message = await db.Messages.FirstOrDefaultAsync(m => m.Id == ourId && m.Direction == MessageDirection.Outbound && m.ProviderMessageId == null, cancellationToken);
            if (message is not null)
            {
                message.ProviderMessageId = wamid;
                if (message.Status == MessageStatus.Failed && message.ErrorTitle == OutboxDispatcher.OutcomeUnknown)
                {
                    // It was sent after all: undo the "unknown" verdict and let the statuses speak.
                    (message.Status, message.FailedAt, message.ErrorTitle, message.ErrorDetails) = (MessageStatus.Queued, null, null, null);
                }

                if (await db.Outbox.FirstOrDefaultAsync(o => o.MessageId == ourId, cancellationToken) is { State: OutboxState.InFlight or OutboxState.Failed } entry)
                {
                    entry.State = OutboxState.Done;
                    entry.LastError = null;
                }
            }
        }

        if (message is null)
        {
            db.PendingStatuses.Add(new PendingStatus { ProviderMessageId = wamid, Payload = status.GetRawText(), ReceivedAt = clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(cancellationToken);

            // The sender may have stored the wamid meanwhile; see whether the backlog can be applied now.
            message = await db.Messages.FirstOrDefaultAsync(m => m.ProviderMessageId == wamid && m.Direction == MessageDirection.Outbound, cancellationToken);
            if (message is not null)
            {
                await StatusBacklog.ApplyAsync(db, message, cancellationToken);
            }

            return;
        }

        StatusLattice.Apply(message, status);
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task RecordEventAsync(Guid? workspaceId, string wabaId, string field, string payload, CancellationToken cancellationToken)
    {
        db.WhatsAppEvents.Add(new WhatsAppEvent { WorkspaceId = workspaceId, WabaId = wabaId, Field = field, Payload = payload, ReceivedAt = clock.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The type's object, re-written without Meta's \u escapes so the stored text is searchable as written.</summary>
    private static string ContentOf(JsonElement message, string type) =>
        message.TryGetProperty(type, out var content) ? JsonSerializer.Serialize(content, Readable) : "{}";

    private static string? ContextOf(JsonElement message, string type)
    {
        if (type == "reaction" && message.TryGetProperty("reaction", out var reaction))
        {
            return WebhookPayload.Text(reaction, "message_id");
        }

        return message.TryGetProperty("context", out var context) ? WebhookPayload.Text(context, "id") : null;
    }

    internal static void SetError(Message message, JsonElement error)
    {
        message.ErrorCode = error.TryGetProperty("code", out var code) && code.TryGetInt32(out var value) ? value : null;
        message.ErrorTitle = Truncate(WebhookPayload.Text(error, "title") ?? WebhookPayload.Text(error, "message"), 200);
        message.ErrorDetails = Truncate(error.TryGetProperty("error_data", out var data) ? WebhookPayload.Text(data, "details") : WebhookPayload.Text(error, "message"), 1000);
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private static string Field(WebhookItem item) => item switch
    {
        EventItem e => e.Field,
        _ => "messages",
    };

    private static string Raw(WebhookItem item) => item switch
    {
        InboundMessageItem m => m.Message.GetRawText(),
        StatusItem s => s.Status.GetRawText(),
        EventItem e => e.Value.GetRawText(),
        _ => "{}",
    };
}
