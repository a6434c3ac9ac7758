using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Web;

namespace Parley.Inbox;

public sealed record ContactSummary(Guid Id, string CustomerId, string? Name, string? WaId);

public sealed record ConversationView(
    Guid Id, string Channel, Guid WhatsAppNumberId, ContactSummary Contact, string Status,
    DateTime LastMessageAt, DateTime? LastInboundAt, DateTime? WindowClosesAt, bool WindowOpen, DateTime UpdatedAt, IReadOnlyList<LabelView> Labels);

public sealed record MessageError(int? Code, string? Title, string? Details);

public sealed record MediaView(Guid Id, string State, string? MimeType, long? Size, string? FileName, string? Error, string Url);

public sealed record MessageView(
    Guid Id, string? ProviderMessageId, string Direction, string Type, JsonElement Content, string? ContextMessageId,
    string Status, MessageError? Error, string? PricingCategory, string? PricingType,
    DateTime CreatedAt, DateTime? SentAt, DateTime? DeliveredAt, DateTime? ReadAt, DateTime? FailedAt, MediaView? Media,
    string Purpose, string? Refusal);

public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary><c>/api/v1/conversations</c>: threads and their messages, newest activity first.</summary>
public static class ConversationsApi
{
    public static RouteGroupBuilder MapInboxApi(this RouteGroupBuilder api)
    {
        var conversations = api.MapGroup("/conversations").RequirePermission(Permission.ViewConversations).WithTags("Conversations");
        conversations.MapGet("/", ListAsync);
        conversations.MapGet("/{id:guid}", GetAsync);
        conversations.MapGet("/{id:guid}/messages", MessagesAsync);
        conversations.MapPost("/{id:guid}/messages", SendAsync).RequirePermission(Permission.SendMessages)
            .WithSummary("Send a message")
            .WithDescription(
                "The message in Cloud API shape, e.g. {\"type\":\"text\",\"text\":{\"body\":\"Hallo\"}}; answers 202 with the queued message. "
                + "Media (image, audio, video, document, sticker) takes exactly one of: \"mediaId\", the id of a file uploaded with "
                + "POST /api/v1/media (Parley uploads it to WhatsApp for this conversation's number and sends WhatsApp's id; a document "
                + "without \"filename\" gets the file's name); \"link\", a public http(s) URL; or \"id\", a media id this WhatsApp number "
                + "uploaded itself. A template's image/video/document header parameter and an interactive message's media header take "
                + "\"mediaId\" the same way. Outside the 24-hour window only templates are accepted (422). \"purpose\" (default \"service\") "
                + "is checked against the contact's consent: marketing and every purpose but service need a current grant; a refused send is "
                + "recorded as a failed message with its refusal and answered 422.");
        conversations.MapPost("/{id:guid}/read", MarkReadAsync).RequirePermission(Permission.SendMessages);
        conversations.MapPost("/{id:guid}/assignment", AssignAsync).RequirePermission(Permission.SendMessages)
            .WithSummary("Assign to an agent and/or a team")
            .WithDescription("{\"assigneeId\": user id or null, \"teamId\": team id or null}; both null leaves it unassigned. Audited.");
        conversations.MapGet("/{id:guid}/labels", LabelsAsync);
        conversations.MapPost("/{id:guid}/labels", ChangeLabelsAsync).RequirePermission(Permission.SendMessages)
            .WithSummary("Add or remove labels")
            .WithDescription("{\"add\":[label ids],\"remove\":[label ids]}; the workspace's labels (GET /api/v1/labels). Answers the conversation's labels.");
        return api;
    }

    private static async Task<Results<Ok<Page<ConversationView>>, ProblemHttpResult>> ListAsync(
        ParleyDb db, WorkspaceContext workspace, TimeProvider clock,
        ConversationLabels labels, string? status, string? channel, DateTime? updatedSince, string? cursor, int? limit, string? assignee, Guid? team, Guid? label,
        CancellationToken ct)
    {
        if (limit is < 1 or > 200)
        {
            return ApiProblems.BadQuery("limit", "limit must lie between 1 and 200.");
        }

        ConversationStatus? statusFilter = null;
        if (status is not null)
        {
            if (!Enum.TryParse<ConversationStatus>(status, ignoreCase: true, out var parsed) || int.TryParse(status, out _))
            {
                return ApiProblems.BadQuery("status", "status is one of open, pending, snoozed, resolved.");
            }

            statusFilter = parsed;
        }

        if (channel is not null && channel != "whatsapp")
        {
            return ApiProblems.BadQuery("channel", "channel is 'whatsapp' (SMS arrives later).");
        }

        AuditCursor? after = null;
        if (cursor is not null && !AuditCursor.TryParse(cursor, out after))
        {
            return ApiProblems.BadQuery("cursor", "cursor must be the 'next' value of a previous page.");
        }

        var query = db.Conversations.AsNoTracking();
        switch (assignee)
        {
            case null:
                break;
            case "none":
                query = query.Where(c => c.AssigneeId == null);
                break;
            case "me" when workspace.Actor is { Kind: "user", Id: { } me }:
                query = query.Where(c => c.AssigneeId == me);
                break;
            case "me":
                return ApiProblems.BadQuery("assignee", "An API key is nobody's 'me'; name the user id instead.");
            default:
                if (!Guid.TryParse(assignee, out var assigneeId))
                {
                    return ApiProblems.BadQuery("assignee", "assignee is 'me', 'none' or a user id.");
                }

                query = query.Where(c => c.AssigneeId == assigneeId);
                break;
        }

        if (team is { } teamId)
        {
            query = query.Where(c => c.TeamId == teamId);
        }

        if (statusFilter is { } wanted)
        {
            query = query.Where(c => c.Status == wanted);
        }

        if (label is { } labelId)
        {
            query = query.Where(c => db.ConversationLabels.Any(l => l.ConversationId == c.Id && l.LabelId == labelId));
        }

        if (updatedSince is { } since)
        {
            var sinceUtc = since.AsUtc();
            query = query.Where(c => c.UpdatedAt >= sinceUtc);
        }

        if (after is not null)
        {
            query = query.Where(c => c.UpdatedAt < after.At || (c.UpdatedAt == after.At && c.Id.CompareTo(after.Id) < 0));
        }

        var take = limit ?? 50;
        var rows = await query
            .Join(db.Contacts, c => c.ContactId, k => k.Id, (c, k) => new { Conversation = c, k.CustomerId, Name = k.DisplayName ?? k.ProfileName, k.WaId })
            .OrderByDescending(r => r.Conversation.UpdatedAt).ThenByDescending(r => r.Conversation.Id)
            .Take(take + 1)
            .ToListAsync(ct);

        var now = clock.GetUtcNow().UtcDateTime;
        var revealPhone = workspace.Can(Permission.RevealPhoneNumbers);
        var shown = rows.Take(take).ToList();
        var labelled = await labels.OfAsync([.. shown.Select(r => r.Conversation.Id)], ct);
        var items = shown.Select(r => View(r.Conversation, r.CustomerId, r.Name, revealPhone ? r.WaId : null, now, labelled.GetValueOrDefault(r.Conversation.Id) ?? [])).ToList();
        var next = rows.Count > take ? new AuditCursor(items[^1].UpdatedAt, items[^1].Id).ToString() : null;
        return TypedResults.Ok(new Page<ConversationView>(items, next));
    }

    private static async Task<Results<Ok<ConversationView>, NotFound>> GetAsync(
        Guid id, ParleyDb db, WorkspaceContext workspace, ConversationLabels labels, TimeProvider clock, CancellationToken ct)
    {
        var row = await db.Conversations.AsNoTracking().Where(c => c.Id == id)
            .Join(db.Contacts, c => c.ContactId, k => k.Id, (c, k) => new { Conversation = c, k.CustomerId, Name = k.DisplayName ?? k.ProfileName, k.WaId })
            .FirstOrDefaultAsync(ct);
        if (row is null)
        {
            return TypedResults.NotFound();
        }

        var labelled = await labels.OfAsync([id], ct);
        return TypedResults.Ok(View(
            row.Conversation, row.CustomerId, row.Name, workspace.Can(Permission.RevealPhoneNumbers) ? row.WaId : null, clock.GetUtcNow().UtcDateTime,
            labelled.GetValueOrDefault(id) ?? []));
    }

    private static async Task<Results<Ok<IReadOnlyList<LabelView>>, NotFound>> LabelsAsync(Guid id, ParleyDb db, ConversationLabels labels, CancellationToken ct) =>
        await db.Conversations.AnyAsync(c => c.Id == id, ct)
            ? TypedResults.Ok((await labels.OfAsync([id], ct)).GetValueOrDefault(id) ?? [])
            : TypedResults.NotFound();

    private static async Task<IResult> ChangeLabelsAsync(Guid id, LabelChange? change, ConversationLabels labels, CancellationToken ct)
    {
        var changed = await labels.ChangeAsync(id, change?.Add ?? [], change?.Remove ?? [], ct);
        return changed.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(changed.Value);
    }

    private static async Task<Results<Ok<Page<MessageView>>, NotFound, ProblemHttpResult>> MessagesAsync(
        Guid id, ParleyDb db, string? cursor, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > 500)
        {
            return ApiProblems.BadQuery("limit", "limit must lie between 1 and 500.");
        }

        AuditCursor? after = null;
        if (cursor is not null && !AuditCursor.TryParse(cursor, out after))
        {
            return ApiProblems.BadQuery("cursor", "cursor must be the 'next' value of a previous page.");
        }

        if (!await db.Conversations.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }

        // Oldest first, the order a conversation is read in.
        var query = db.Messages.AsNoTracking().Where(m => m.ConversationId == id);
        if (after is not null)
        {
            query = query.Where(m => m.CreatedAt > after.At || (m.CreatedAt == after.At && m.Id.CompareTo(after.Id) > 0));
        }

        var take = limit ?? 100;
        var rows = await query.OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).Take(take + 1).ToListAsync(ct);
        var ids = rows.Select(m => m.Id).ToList();
        var media = await db.MediaFiles.AsNoTracking().Where(f => f.MessageId != null && ids.Contains(f.MessageId.Value)).ToDictionaryAsync(f => f.MessageId!.Value, ct);

        // What the business sent from the media store shows that file, like an inbound attachment.
        var sent = rows.Where(m => m.Direction == MessageDirection.Outbound)
            .Select(m => (Message: m.Id, File: OutboundMedia.ParleyMediaId(m.Type, JsonNode.Parse(m.Content)!)))
            .Where(s => s.File is not null).ToList();
        if (sent.Count > 0)
        {
            var fileIds = sent.Select(s => s.File!.Value).Distinct().ToList();
            var files = await db.MediaFiles.AsNoTracking().Where(f => fileIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, ct);
            foreach (var (message, file) in sent)
            {
                if (files.TryGetValue(file!.Value, out var stored))
                {
                    media[message] = stored;
                }
            }
        }

        var items = rows.Take(take).Select(m => View(m, media.GetValueOrDefault(m.Id))).ToList();
        var next = rows.Count > take ? new AuditCursor(items[^1].CreatedAt, items[^1].Id).ToString() : null;
        return TypedResults.Ok(new Page<MessageView>(items, next));
    }

    /// <summary>Queues a message in Cloud API shape; 202 with the queued message, whose status the webhooks then move on.</summary>
    private static async Task<IResult> SendAsync(
        Guid id, JsonObject? body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, OutboundMessages outbound, CancellationToken ct)
    {
        var queued = await outbound.QueueAsync(id, body, ct, idempotencyKey);
        return queued.Error is { } error
            ? ApiProblems.From(error)
            : TypedResults.Accepted($"/api/v1/conversations/{id}/messages", View(queued.Value!));
    }

    private static ConversationView View(Conversation c, string customerId, string? name, string? waId, DateTime now, IReadOnlyList<LabelView> labels) =>
        new(c.Id, "whatsapp", c.WhatsAppNumberId, new ContactSummary(c.ContactId, customerId, name, waId), c.Status.ToString().ToLowerInvariant(),
            c.LastMessageAt, c.LastInboundAt, c.WindowClosesAt, c.IsWindowOpen(now), c.UpdatedAt, labels);

    public sealed record MarkReadRequest(bool? Typing);

    /// <summary>
    /// Tells WhatsApp the customer's messages have been read (blue ticks), optionally showing "typing…"
    /// until the reply goes out. Sent at once, not through the outbox: it is a signal, not a message.
    /// </summary>
    private static async Task<IResult> MarkReadAsync(Guid id, MarkReadRequest? request, ParleyDb db, ConversationActions actions, CancellationToken ct)
    {
        if (!await db.Conversations.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }

        return await actions.MarkReadAsync(id, request?.Typing ?? false, ct) switch
        {
            null => TypedResults.Problem("The customer has not written anything that could be marked read.", statusCode: StatusCodes.Status409Conflict),
            GraphAccepted => TypedResults.NoContent(),
            GraphRefused refused => TypedResults.Problem($"WhatsApp refused: {refused.Title} {refused.Details}".Trim(), statusCode: StatusCodes.Status502BadGateway),
            var other => TypedResults.Problem($"WhatsApp could not be reached ({other.GetType().Name[5..]}); try again.", statusCode: StatusCodes.Status502BadGateway),
        };
    }

    public sealed record AssignmentRequest(Guid? AssigneeId, Guid? TeamId);

    /// <summary>Looks the conversation up (inside the service) before it reads the body, so another workspace's id is 404.</summary>
    private static async Task<IResult> AssignAsync(Guid id, AssignmentRequest? request, Assignments assignments, CancellationToken ct)
    {
        var assigned = await assignments.AssignAsync(id, request?.AssigneeId, request?.TeamId, ct);
        return assigned.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(assigned.Value);
    }

    private static MessageView View(Message m) => View(m, null);

    private static MessageView View(Message m, MediaFile? media)
    {
        using var content = JsonDocument.Parse(m.Content);
        return new MessageView(
            m.Id, m.ProviderMessageId, m.Direction.ToString().ToLowerInvariant(), m.Type, content.RootElement.Clone(), m.ContextMessageId,
            m.Status.ToString().ToLowerInvariant(),
            m.ErrorCode is null && m.ErrorTitle is null ? null : new MessageError(m.ErrorCode, m.ErrorTitle, m.ErrorDetails),
            m.PricingCategory, m.PricingType, m.CreatedAt, m.SentAt, m.DeliveredAt, m.ReadAt, m.FailedAt,
            media is null ? null : new MediaView(media.Id, media.State.ToString().ToLowerInvariant(), media.MimeType, media.Size, media.FileName, media.LastError, $"/api/v1/media/{media.Id}"),
            m.Purpose, m.Refusal);
    }
}
