using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Privacy;

/// <summary>
/// Everything Parley holds about one person (DSGVO Art. 15 and 20), as a zip: <c>contact.json</c> — the
/// profile with phone and wa_id, attributes, labels, lists, the consent ledger with the derived states,
/// consent requests, every conversation with every message (notes included) and its delivery record,
/// and campaign history — plus <c>media/</c> with every stored file of those messages, named in the
/// JSON. Built in a temporary file (media are streamed, never held in memory), audited as
/// <c>contact.exported</c> with the customer ID only.
/// </summary>
public sealed class DataSubjectExport(ParleyDb db, ContactBook book, MediaStore store, AuditLog audit, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Sends the archive as a download (built in a temporary file first); false when there is no such contact.</summary>
    public async Task<bool> RespondAsync(Guid contactId, HttpResponse response, CancellationToken cancellationToken)
    {
        await using var buffer = new FileStream(
            Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        if (await WriteAsync(contactId, buffer, cancellationToken) is not { } customerId)
        {
            return false;
        }

        buffer.Position = 0;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = $"attachment; filename=\"parley-{customerId}.zip\"";
        response.ContentLength = buffer.Length;
        await buffer.CopyToAsync(response.Body, cancellationToken);
        return true;
    }

    /// <summary>Writes the archive to <paramref name="destination"/>; returns the customer ID, or null when there is no such contact.</summary>
    public async Task<string?> WriteAsync(Guid contactId, Stream destination, CancellationToken cancellationToken)
    {
        var contact = await book.FindAsync(contactId, cancellationToken);
        if (contact is null)
        {
            return null;
        }

        var lists = await db.ContactLists.AsNoTracking().Where(l => contact.Lists.Contains(l.Id)).Select(l => l.Name).OrderBy(n => n).ToListAsync(cancellationToken);
        var consent = await db.ConsentRecords.AsNoTracking().Where(r => r.ContactId == contactId).OrderBy(r => r.OccurredAt).ThenBy(r => r.Id)
            .Select(r => new { r.Purpose, r.Granted, r.Channel, r.Source, r.WordingVersion, r.Wording, r.Evidence, r.OccurredAt, r.RecordedAt, r.ActorKind, r.IpAddress })
            .ToListAsync(cancellationToken);
        var states = await db.ConsentStates.AsNoTracking().Where(s => s.ContactId == contactId).OrderBy(s => s.Purpose)
            .Select(s => new { s.Purpose, s.Granted, s.OccurredAt }).ToListAsync(cancellationToken);
        var requests = contact.WaId is { } waId
            ? await db.ConsentRequests.AsNoTracking().Where(r => r.WaId == waId).OrderBy(r => r.CreatedAt).ToListAsync(cancellationToken)
            : [];
        var conversations = await db.Conversations.AsNoTracking().Where(c => c.ContactId == contactId).OrderBy(c => c.CreatedAt)
            .Join(db.WhatsAppNumbers.IgnoreQueryFilters(), c => c.WhatsAppNumberId, n => n.Id, (c, n) => new { Conversation = c, Number = n.DisplayPhoneNumber })
            .ToListAsync(cancellationToken);
        var conversationIds = conversations.Select(c => c.Conversation.Id).ToList();
        var messages = await db.Messages.AsNoTracking().Where(m => conversationIds.Contains(m.ConversationId)).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(cancellationToken);
        var messageIds = messages.Select(m => m.Id).ToList();
        var media = await db.MediaFiles.AsNoTracking().Where(f => f.MessageId != null && messageIds.Contains(f.MessageId.Value)).ToListAsync(cancellationToken);
        var campaigns = await (
            from r in db.CampaignRecipients.AsNoTracking().Where(r => r.ContactId == contact.Id)
            join c in db.Campaigns on r.CampaignId equals c.Id
            join m in db.Messages on r.MessageId equals m.Id into sent
            from m in sent.DefaultIfEmpty()
            orderby c.CreatedAt
            select new { c.Name, c.TemplateName, c.Purpose, r.State, MessageStatus = (MessageStatus?)m.Status, m.Refusal, r.Reason, r.VariableValues, r.MessageId, r.QueuedAt, r.RepliedAt })
            .ToListAsync(cancellationToken);
        var files = media.Where(f => f.State == MediaState.Stored).ToDictionary(f => f.MessageId!.Value, f => $"media/{f.Id:N}{Extension(f.FileName)}");

        var document = new JsonObject
        {
            ["exportedAt"] = clock.GetUtcNow().UtcDateTime,
            ["contact"] = JsonSerializer.SerializeToNode(new
            {
                contact.Id,
                contact.CustomerId,
                contact.Phone,
                contact.WaId,
                contact.ExternalId,
                contact.DisplayName,
                contact.ProfileName,
                contact.Attributes,
                Labels = contact.Labels.Select(l => l.Name),
                Lists = lists,
                contact.LastInboundAt,
                contact.CreatedAt,
                contact.UpdatedAt,
            }, Json),
            ["consent"] = JsonSerializer.SerializeToNode(new { Current = states, Records = consent }, Json),
            ["consentRequests"] = JsonSerializer.SerializeToNode(requests.Select(r => new { r.Name, r.Purposes, r.Language, r.IpAddress, r.UserAgent, r.CreatedAt, r.ConfirmedAt }), Json),
            ["conversations"] = new JsonArray([.. conversations.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Conversation.Id,
                ["businessNumber"] = c.Number,
                ["status"] = c.Conversation.Status.ToString().ToLowerInvariant(),
                ["createdAt"] = c.Conversation.CreatedAt,
                ["messages"] = new JsonArray([.. messages.Where(m => m.ConversationId == c.Conversation.Id).Select(m => (JsonNode)new JsonObject
                {
                    ["id"] = m.Id,
                    ["direction"] = m.Direction.ToString().ToLowerInvariant(),
                    ["type"] = m.Type,
                    ["content"] = JsonNode.Parse(m.Content),
                    ["status"] = m.Status.ToString().ToLowerInvariant(),
                    ["purpose"] = m.Purpose,
                    ["refusal"] = m.Refusal,
                    ["error"] = m.ErrorCode is null && m.ErrorTitle is null ? null : new JsonObject { ["code"] = m.ErrorCode, ["title"] = m.ErrorTitle, ["details"] = m.ErrorDetails },
                    ["createdAt"] = m.CreatedAt,
                    ["sentAt"] = m.SentAt,
                    ["deliveredAt"] = m.DeliveredAt,
                    ["readAt"] = m.ReadAt,
                    ["failedAt"] = m.FailedAt,
                    ["file"] = files.GetValueOrDefault(m.Id),
                })]),
            })]),
            ["campaigns"] = new JsonArray([.. campaigns.Select(r => (JsonNode)new JsonObject
            {
                ["campaign"] = r.Name,
                ["template"] = r.TemplateName,
                ["purpose"] = r.Purpose,
                ["status"] = Campaigns.Campaigns.Status(r.State, r.MessageStatus, r.Refusal, r.RepliedAt is not null),
                ["reason"] = r.Reason,
                ["variables"] = r.VariableValues is { } values ? JsonNode.Parse(values) : null,
                ["messageId"] = r.MessageId,
                ["queuedAt"] = r.QueuedAt,
                ["repliedAt"] = r.RepliedAt,
            })]),
        };

        using (var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry("contact.json", CompressionLevel.Optimal);
            await using (var writer = await entry.OpenAsync(cancellationToken))
            {
                await JsonSerializer.SerializeAsync(writer, document, Json, cancellationToken);
            }

            foreach (var file in media.Where(f => files.ContainsKey(f.MessageId!.Value)))
            {
                await using var content = store.Open(file);
                if (content is null)
                {
                    continue;
                }

                await using var target = await zip.CreateEntry(files[file.MessageId!.Value], CompressionLevel.NoCompression).OpenAsync(cancellationToken);
                await content.CopyToAsync(target, cancellationToken);
            }
        }

        audit.Add("contact.exported", "contact", contactId, contact.CustomerId);
        await db.SaveChangesAsync(cancellationToken);
        return contact.CustomerId;
    }

    private static string Extension(string? fileName) =>
        Path.GetExtension(fileName ?? "") is { Length: > 1 and <= 8 } extension && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : "";
}
