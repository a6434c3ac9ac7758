using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Templates;

public sealed record NotificationContact(string? ExternalId, string? CustomerId);

public sealed record NotificationTemplate(string? Name, string? Language);

public sealed record NotificationRequest(NotificationContact? Contact, NotificationTemplate? Template, JsonNode? Variables, string? Purpose, string? PhoneNumberId);

public sealed record NotificationAccepted(Guid MessageId, Guid ConversationId, string Status, string? Refusal);

/// <summary>
/// <c>POST /api/v1/notifications</c>: a CRM or booking system sends an approved template to a contact it
/// knows by its own id or the customer ID ("your car is ready"). The message goes into the contact's
/// conversation with the sender number (made if there is none), so the answer lands in that inbox
/// thread; consent is checked for its purpose like every send; the Idempotency-Key makes a retry
/// answer the first send instead of sending again.
/// </summary>
public sealed class Notifications(ParleyDb db, TemplateStore store, OutboundMessages outbound, TimeProvider clock)
{
    public async Task<Outcome<Message>> SendAsync(NotificationRequest? request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var externalId = request?.Contact?.ExternalId?.Trim();
        var customerId = CustomerIds.Normalise(request?.Contact?.CustomerId);
        if (string.IsNullOrEmpty(externalId) == (customerId is null))
        {
            return OperationError.Invalid("contact", "Name the contact by exactly one of contact.externalId (your system's id) or contact.customerId (C-XXXXXX).");
        }

        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.ErasedAt == null && (externalId != null ? c.ExternalId == externalId : c.CustomerId == customerId), cancellationToken);
        if (contact is null)
        {
            return OperationError.Invalid("contact", externalId is not null ? $"There is no contact with externalId '{externalId}'." : $"There is no contact {customerId}.");
        }

        if (contact.WaId is null && contact.Phone is null && contact.UserId is null)
        {
            return OperationError.Invalid("contact", "The contact has no phone number or WhatsApp id to send to.");
        }

        var numbers = db.WhatsAppNumbers.Where(n => n.RemovedAt == null);
        WhatsAppNumber? number;
        if (request!.PhoneNumberId is { Length: > 0 } phoneNumberId)
        {
            number = await numbers.FirstOrDefaultAsync(n => n.PhoneNumberId == phoneNumberId, cancellationToken);
            if (number is null)
            {
                return OperationError.Invalid("phoneNumberId", "phoneNumberId is not one of this workspace's WhatsApp numbers.");
            }
        }
        else
        {
            var latest = await db.Conversations.Where(c => c.ContactId == contact.Id).OrderByDescending(c => c.LastMessageAt).Select(c => (Guid?)c.WhatsAppNumberId).FirstOrDefaultAsync(cancellationToken);
            number = await numbers.Where(n => latest == null || n.Id == latest).OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken)
                ?? await numbers.OrderBy(n => n.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            if (number is null)
            {
                return new OperationError(ErrorKind.Refused, "The workspace has no WhatsApp number to send from; connect one first.");
            }
        }

        var (name, language) = (request.Template?.Name?.Trim(), request.Template?.Language?.Trim());
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(language))
        {
            return OperationError.Invalid("template", "Name the template: {\"name\":\"car_ready\",\"language\":\"de\"}.");
        }

        if (!await db.WhatsAppTemplates.AnyAsync(t => t.WabaId == number.WabaId, cancellationToken))
        {
            await store.SyncAsync(cancellationToken, number.WabaId);
        }

        var template = await db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.WabaId == number.WabaId && t.Name == name && t.Language == language, cancellationToken);
        if (template is not { Status: "APPROVED" })
        {
            return OperationError.Invalid("template", template is null
                ? $"There is no template '{name}' in language '{language}' for this number; see GET /api/v1/templates."
                : $"The template '{name}' ({language}) is {template.Status}, not approved; only approved templates can be sent.");
        }

        var choice = TemplateChoices.Choice(template);
        var values = Values(choice, request.Variables);
        if (values.Error is { } problem)
        {
            return problem;
        }

        var message = choice.Message(values.Value!);
        message["purpose"] = string.IsNullOrWhiteSpace(request.Purpose) ? Consent.Purposes.Service : request.Purpose;
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.ContactId == contact.Id && c.WhatsAppNumberId == number.Id, cancellationToken);
        if (conversation is null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            conversation = new Conversation { WorkspaceId = contact.WorkspaceId, ContactId = contact.Id, WhatsAppNumberId = number.Id, LastMessageAt = now, CreatedAt = now, UpdatedAt = now };
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync(cancellationToken);
        }

        return await outbound.QueueAsync(conversation.Id, message, cancellationToken, idempotencyKey);
    }

    /// <summary>The values in the template's order: an array for positional variables, an object for named ones.</summary>
    private static Outcome<IReadOnlyList<string>> Values(TemplateChoice choice, JsonNode? variables)
    {
        var wanted = choice.Variables;
        IReadOnlyList<string> values;
        switch (variables)
        {
            case null when wanted.Count == 0:
                return new Outcome<IReadOnlyList<string>>([], null);
            case JsonArray array when !choice.Named:
                values = [.. array.Select(v => v is JsonValue value && value.TryGetValue<string>(out var text) ? text : v?.ToJsonString() ?? "")];
                break;
            case JsonObject named when choice.Named:
                values = [.. wanted.Select(w => named[w] is JsonValue value && value.TryGetValue<string>(out var text) ? text : "")];
                break;
            default:
                return OperationError.Invalid("variables", choice.Named
                    ? $"The template has named variables: give an object with {string.Join(", ", wanted)}."
                    : $"The template has {wanted.Count} positional variables: give an array of {wanted.Count} texts.");
        }

        if (values.Count != wanted.Count || values.Any(string.IsNullOrWhiteSpace))
        {
            return OperationError.Invalid("variables", $"The template needs {wanted.Count} non-empty values ({string.Join(", ", wanted)}); a message with an empty variable is never sent.");
        }

        return new Outcome<IReadOnlyList<string>>(values, null);
    }
}
