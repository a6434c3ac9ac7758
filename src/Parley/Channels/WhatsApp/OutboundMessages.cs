using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Consent;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Queues a message in Cloud API shape (<c>{"type":"text","text":{"body":"…"}}</c>) for a conversation:
/// checks what Parley can check before WhatsApp sees it — the shape, the limits, the 24-hour window, the
/// contact's consent for the message's purpose — then writes the message and its outbox row in one
/// transaction and wakes the dispatcher. A send that consent forbids is recorded as a failed message with
/// its refusal, and never queued.
/// </summary>
public sealed class OutboundMessages(ParleyDb db, WorkspaceContext workspace, OutboxBell bell, ConsentCatalog purposes, TimeProvider clock)
{
    private static readonly string[] Types = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "interactive", "template", "reaction"];

    /// <summary>
    /// Queues the message; with a <paramref name="clientKey"/> (the composer's or an API client's
    /// idempotency key) a repeat of the same request answers the message queued the first time.
    /// </summary>
    public async Task<Outcome<Message>> QueueAsync(Guid conversationId, JsonObject? request, CancellationToken cancellationToken, string? clientKey = null, Guid? authorId = null)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            return OperationError.NotFound;
        }

        if (clientKey is { Length: > 64 })
        {
            return OperationError.Invalid("clientKey", "The idempotency key has at most 64 characters.");
        }

        if (clientKey is not null && await SentWithKeyAsync(conversationId, clientKey, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        if (request is null)
        {
            return OperationError.Invalid("type", "The body is a message in Cloud API shape, e.g. {\"type\":\"text\",\"text\":{\"body\":\"Hallo\"}}.");
        }

        if (request["purpose"] is { } purposeNode && (purposeNode is not JsonValue purposeValue || !purposeValue.TryGetValue<string>(out _)))
        {
            return OperationError.Invalid("purpose", "purpose is the name of a consent purpose, e.g. \"service\" or \"marketing\".");
        }

        var purpose = Text(request, "purpose")?.Trim().ToLowerInvariant() ?? Purposes.Service;
        if (!await purposes.ExistsAsync(purpose, cancellationToken))
        {
            return OperationError.Invalid("purpose", "There is no such purpose; see GET /api/v1/consent/purposes.");
        }

        var type = Text(request, "type") ?? "text";
        if (!Types.Contains(type))
        {
            return OperationError.Invalid("type", $"type is one of {string.Join(", ", Types)}.");
        }

        if (type == "contacts")
        {
            if (request["contacts"] is not JsonArray { Count: > 0 } cards || cards.Any(c => Text(c?["name"] as JsonObject, "formatted_name") is null))
            {
                return OperationError.Invalid("contacts", "contacts is a non-empty array of cards, each with name.formatted_name.");
            }
        }
        else if (request[type] is not JsonObject content)
        {
            return OperationError.Invalid(type, $"A message of type '{type}' needs a '{type}' object.");
        }
        else if (Problem(type, content) is { } problem)
        {
            return OperationError.Invalid(problem.Field, problem.Message);
        }
        else
        {
            foreach (var (field, mediaType, slot) in OutboundMedia.Slots(type, content))
            {
                if (Text(slot, "mediaId") is { } mediaId && await StoredFileProblemAsync(field, mediaType, slot, mediaId, cancellationToken) is { } fileProblem)
                {
                    return fileProblem;
                }
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (type != "template" && !conversation.IsWindowOpen(now))
        {
            var closed = conversation.WindowClosesAt is { } at ? $"closed at {at:yyyy-MM-dd HH:mm} UTC" : "has not been opened (the customer never wrote)";
            return new OperationError(ErrorKind.Refused, $"The 24-hour customer-service window {closed}. Outside it WhatsApp delivers only approved templates: send a message of type 'template'.", "type");
        }

        var number = await db.WhatsAppNumbers.FirstAsync(n => n.Id == conversation.WhatsAppNumberId, cancellationToken);
        if (number.RemovedAt is not null)
        {
            return new OperationError(ErrorKind.Refused, "The WhatsApp number of this conversation has been removed; nothing can be sent from it.");
        }

        // A service reply in an open window is always allowed: the ordinary agent reply needs no consent lookup.
        var windowOpen = conversation.IsWindowOpen(now);
        var granted = !Purposes.NeedsGrant(purpose) && windowOpen
            ? null
            : await db.ConsentStates.Where(s => s.ContactId == conversation.ContactId && s.Purpose == purpose).Select(s => (bool?)s.Granted).FirstOrDefaultAsync(cancellationToken);
        var refusal = ConsentPolicy.Check(purpose, granted, windowOpen);
        var message = new Message
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            ConversationId = conversation.Id,
            Direction = MessageDirection.Outbound,
            Type = type,
            Content = request[type]!.ToJsonString(),
            ContextMessageId = type == "reaction" ? Text(request[type] as JsonObject, "message_id") : Text(request["context"] as JsonObject, "message_id"),
            AuthorId = authorId,
            ClientKey = refusal is null ? clientKey : null, // a refused message is not the one sent with this key: a retry must be tried again
            Status = MessageStatus.Queued,
            Purpose = purpose,
            CreatedAt = now,
        };
        db.Messages.Add(message);
        if (refusal is not null)
        {
            // Recorded, so the refusal is visible in the conversation; never queued.
            Refuse(message, refusal, now);
            await db.SaveChangesAsync(cancellationToken);
            return new OperationError(ErrorKind.Refused, refusal.Message, "purpose");
        }

        db.Outbox.Add(new OutboxEntry
        {
            MessageId = message.Id,
            WorkspaceId = message.WorkspaceId,
            WhatsAppNumberId = number.Id,
            NextAttemptAt = now,
            CreatedAt = now,
        });
        conversation.LastMessageAt = now;
        conversation.UpdatedAt = now;
        conversation.AwaitingReplySince = null; // Answered: the first-response clock stops.
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (clientKey is not null)
        {
            // The same key arrived twice at once; the unique index let one through.
            db.ChangeTracker.Clear();
            if (await SentWithKeyAsync(conversationId, clientKey, cancellationToken) is { } first)
            {
                return first;
            }

            throw;
        }

        bell.Ring();
        return message;
    }

    /// <summary>Fails a message that consent forbids: it never reaches WhatsApp.</summary>
    public static void Refuse(Message message, ConsentRefusal refusal, DateTime now)
    {
        message.Status = MessageStatus.Failed;
        message.FailedAt = now;
        message.Refusal = refusal.Code;
        message.ErrorTitle = refusal.Code == ConsentPolicy.Withdrawn ? "Consent withdrawn" : "No consent";
        message.ErrorDetails = refusal.Message;
    }
    private Task<Message?> SentWithKeyAsync(Guid conversationId, string clientKey, CancellationToken cancellationToken) =>
        db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.ConversationId == conversationId && m.ClientKey == clientKey, cancellationToken);

    /// <summary>
    /// A file from Parley's media store must be this workspace's, stored, and of a type and size that
    /// WhatsApp sends as <paramref name="type"/>. A document without a filename gets the file's name.
    /// </summary>
    private async Task<OperationError?> StoredFileProblemAsync(string slot, string type, JsonObject content, string mediaId, CancellationToken cancellationToken)
    {
        var field = $"{slot}.mediaId";
        var file = Guid.TryParse(mediaId, out var id)
            ? await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, cancellationToken)
            : null;
        if (file is null)
        {
            return OperationError.Invalid(field, "There is no file with this id in this workspace; upload it first with POST /api/v1/media.");
        }

        if (file.State != MediaState.Stored)
        {
            return OperationError.Invalid(field, "This file is not in Parley's media store (yet); only stored files can be sent.");
        }

        if (MediaRules.CheckSend(type, file.MimeType, file.Size) is { } problem)
        {
            return OperationError.Invalid(field, problem);
        }

        if (type == "document" && Text(content, "filename") is null && file.FileName is not null)
        {
            content["filename"] = file.FileName;
        }

        content["mediaId"] = file.Id.ToString();
        return null;
    }

    private static (string Field, string Message)? Problem(string type, JsonObject content)
    {
        switch (type)
        {
            case "text":
                return Text(content, "body") switch
                {
                    null or "" => ("text.body", "text.body is required."),
                    { Length: > 4096 } => ("text.body", "text.body has at most 4,096 characters."),
                    _ => null,
                };
            case "image" or "audio" or "video" or "document" or "sticker":
                var id = Text(content, "id");
                var link = Text(content, "link");
                if (new[] { id, link, Text(content, "mediaId") }.Count(v => v is not null) != 1)
                {
                    return ($"{type}", $"{type} needs exactly one of 'mediaId' (a file uploaded to Parley with POST /api/v1/media), 'link' (a public https URL) or 'id' (a media id this WhatsApp number uploaded itself).");
                }

                if (link is not null && (!Uri.TryCreate(link, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
                {
                    return ($"{type}.link", $"{type}.link must be an absolute http(s) URL.");
                }

                return content.ContainsKey("caption") && type is "audio" or "sticker" ? ($"{type}.caption", $"WhatsApp shows no caption on {type} messages.") : null;
            case "location":
                return content["latitude"] is JsonValue lat && lat.TryGetValue<double>(out _) && content["longitude"] is JsonValue lon && lon.TryGetValue<double>(out _)
                    ? null
                    : ("location", "location needs numeric latitude and longitude.");
            case "reaction":
                return Text(content, "message_id") is null || content["emoji"] is not JsonValue
                    ? ("reaction", "reaction needs message_id (the wamid reacted to) and emoji (empty to remove).")
                    : null;
            case "template":
                return Text(content, "name") is null || Text(content["language"] as JsonObject, "code") is null
                    ? ("template", "template needs a name and language.code of an approved template.")
                    : null;
            case "interactive":
                return Text(content, "type") is "button" or "list" or "cta_url" or "product" or "product_list" or "flow" or "location_request_message"
                    ? Text(content["body"] as JsonObject, "text") is { Length: > 0 } || Text(content, "type") is "product" ? null : ("interactive.body.text", "interactive.body.text is required.")
                    : ("interactive.type", "interactive.type is button, list, cta_url, product, product_list, flow or location_request_message.");
            default:
                return null;
        }
    }

    private static string? Text(JsonObject? node, string property) =>
        node?[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
