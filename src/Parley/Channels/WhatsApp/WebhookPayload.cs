using System.Globalization;
using System.Text.Json;

namespace Parley.Channels.WhatsApp;

/// <summary>One thing a webhook delivery tells us; a delivery holds any number of them.</summary>
public abstract record WebhookItem(string WabaId, string? PhoneNumberId)
{
    /// <summary>Items with the same key are applied in order; different keys may run in parallel.</summary>
    public abstract string PartitionKey { get; }
}

/// <summary>A customer's message, with the <c>contacts[]</c> entry that describes its sender.</summary>
public sealed record InboundMessageItem(string WabaId, string PhoneNumberId, JsonElement Message, JsonElement? Contact) : WebhookItem(WabaId, PhoneNumberId)
{
    public string? From => Message.TryGetProperty("from", out var from) ? from.GetString() : null;

    public string? FromUserId => Message.TryGetProperty("from_user_id", out var user) ? user.GetString()
        : Contact is { } contact && contact.TryGetProperty("user_id", out var contactUser) ? contactUser.GetString() : null;

    public override string PartitionKey => $"{PhoneNumberId}/{From ?? FromUserId}";
}

/// <summary>A delivery status (sent, delivered, read, failed, played) of a message the business sent.</summary>
public sealed record StatusItem(string WabaId, string PhoneNumberId, JsonElement Status) : WebhookItem(WabaId, PhoneNumberId)
{
    public string MessageId => Status.GetProperty("id").GetString()!;

    /// <summary>Sent, delivered or read: progress that ends in the same state however often it is applied.</summary>
    public bool IsProgress => WebhookPayload.Text(Status, "status") is "sent" or "delivered" or "read" or "played";

    public override string PartitionKey => $"{PhoneNumberId}/{(Status.TryGetProperty("recipient_id", out var r) ? r.GetString() : MessageId)}";
}

/// <summary>Any other change (template updates, user preferences, value-level errors, account events), kept whole.</summary>
public sealed record EventItem(string WabaId, string? PhoneNumberId, string Field, JsonElement Value) : WebhookItem(WabaId, PhoneNumberId)
{
    public override string PartitionKey => $"event/{WabaId}";
}

/// <summary>
/// Splits a Cloud API webhook body into items — every entry, every change, every message and status.
/// Unknown fields are kept, not rejected; a body that is not a WhatsApp webhook at all throws
/// <see cref="FormatException"/> and becomes a dead letter.
/// </summary>
public static class WebhookPayload
{
    public static List<WebhookItem> Parse(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The body is not JSON: {e.Message}", e);
        }

        // The items refer into the document, so it lives as long as they do (no Dispose on purpose).
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The body has no 'entry' array.");
        }

        if (root.TryGetProperty("object", out var kind) && kind.GetString() != "whatsapp_business_account")
        {
            throw new FormatException($"The webhook object is '{kind.GetString()}', not 'whatsapp_business_account'.");
        }

        var items = new List<WebhookItem>();
        foreach (var entry in entries.EnumerateArray())
        {
            var wabaId = Text(entry, "id") ?? throw new FormatException("An entry has no 'id'.");
            if (!entry.TryGetProperty("changes", out var changes) || changes.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("An entry has no 'changes' array.");
            }

            foreach (var change in changes.EnumerateArray())
            {
                var field = Text(change, "field") ?? throw new FormatException("A change has no 'field'.");
                if (!change.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"The '{field}' change has no 'value' object.");
                }

                var phoneNumberId = value.TryGetProperty("metadata", out var metadata) ? Text(metadata, "phone_number_id") : null;
                if (field != "messages" || phoneNumberId is null)
                {
                    items.Add(new EventItem(wabaId, phoneNumberId, field, value));
                    continue;
                }

                if (value.TryGetProperty("messages", out var messages))
                {
                    foreach (var message in messages.EnumerateArray())
                    {
                        if (Text(message, "id") is null || Text(message, "type") is null)
                        {
                            throw new FormatException("A message has no 'id' or 'type'.");
                        }

                        items.Add(new InboundMessageItem(wabaId, phoneNumberId, message, SenderOf(value, message)));
                    }
                }

                if (value.TryGetProperty("statuses", out var statuses))
                {
                    foreach (var status in statuses.EnumerateArray())
                    {
                        if (Text(status, "id") is null || Text(status, "status") is null)
                        {
                            throw new FormatException("A status has no 'id' or 'status'.");
                        }

                        items.Add(new StatusItem(wabaId, phoneNumberId, status));
                    }
                }

                if (value.TryGetProperty("errors", out _))
                {
                    items.Add(new EventItem(wabaId, phoneNumberId, "errors", value));
                }
            }
        }

        return items;
    }

    /// <summary>Unix seconds, sent as a string in messages and statuses and as a number elsewhere.</summary>
    public static DateTime? Timestamp(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value))
        {
            return null;
        }

        long seconds;
        if (value.ValueKind == JsonValueKind.Number)
        {
            seconds = value.GetInt64();
        }
        else if (!long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
    }

    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static JsonElement? SenderOf(JsonElement value, JsonElement message)
    {
        if (!value.TryGetProperty("contacts", out var contacts))
        {
            return null;
        }

        var from = Text(message, "from");
        var fromUser = Text(message, "from_user_id");
        foreach (var contact in contacts.EnumerateArray())
        {
            if ((from is not null && Text(contact, "wa_id") == from) || (fromUser is not null && Text(contact, "user_id") == fromUser))
            {
                return contact;
            }
        }

        return contacts.GetArrayLength() == 1 ? contacts[0] : null;
    }
}
