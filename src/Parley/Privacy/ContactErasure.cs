using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Privacy;

/// <summary>
/// Erases a person (DSGVO Art. 17): everything that names or quotes them goes, in one transaction —
/// attributes, labels, list memberships, the consent ledger and states, consent-page requests, note
/// mentions, queued sends, media (rows, then the files), the raw webhook bodies and WhatsApp events
/// that carry their number — and what statistics count stays without content: the contact row becomes a
/// tombstone (no phone, wa_id, names or external id; a new customer ID; <see cref="Contact.ErasedAt"/>),
/// its conversations stay and their messages keep direction, type, status, pricing and times but lose
/// their content, WhatsApp ids and reply links. The search indexes follow the messages (triggers). The
/// audit log gets a receipt with the old customer ID and counts, never a number or a text. An objection
/// outlives the person: to marketing, and to every purpose they had withdrawn, kept as a keyed hash of the
/// number (<see cref="Objections"/>), so an old list imported again cannot opt them back in. On SQLite
/// deleted bytes are overwritten (<c>secure_delete</c>) and the write-ahead log is checkpointed and
/// truncated afterwards, so the text is not left in the files.
/// </summary>
public sealed partial class ContactErasure(
    ParleyDb db, WriteGate gate, MediaStore store, Objections objections, AuditLog audit, DatabaseSettings settings, WebhookIntake intake,
    TimeProvider clock, ILogger<ContactErasure> logger)
{
    private const int ScanBatch = 500;

    public async Task<OperationError?> EraseAsync(Guid id, CancellationToken cancellationToken)
    {
        // First the intake file gives up what it holds of processed deliveries (SQLite), so that the bodies
        // deleted below are not left there should the erasure be cut off after its commit.
        await intake.PurgeAsync(afterDurableCommit: false, cancellationToken);
        List<MediaFile> files;
        using (await gate.EnterAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, cancellationToken);
            if (contact is null)
            {
                return OperationError.NotFound;
            }

            var conversationIds = await db.Conversations.Where(c => c.ContactId == id).Select(c => c.Id).ToListAsync(cancellationToken);
            var messages = db.Messages.Where(m => conversationIds.Contains(m.ConversationId));
            var outbound = await messages.Where(m => m.Direction == MessageDirection.Outbound).Select(m => new { m.Type, m.Content }).ToListAsync(cancellationToken);
            var sentFiles = outbound.Select(m => OutboundMedia.ParleyMediaId(m.Type, JsonNode.Parse(m.Content)!)).OfType<Guid>().ToList();
            var messageIds = messages.Select(m => m.Id);
            files = await db.MediaFiles.Where(f => (f.MessageId != null && messageIds.Contains(f.MessageId.Value)) || sentFiles.Contains(f.Id)).ToListAsync(cancellationToken);
            var wamids = await messages.Where(m => m.ProviderMessageId != null).Select(m => m.ProviderMessageId!).ToListAsync(cancellationToken);

            var withdrawn = await db.ConsentStates.Where(s => s.ContactId == id && !s.Granted).Select(s => s.Purpose).ToListAsync(cancellationToken);
            await objections.RememberAsync(contact, [Purposes.Marketing, .. withdrawn], cancellationToken);
            var consent = await db.ConsentRecords.Where(r => r.ContactId == id).ExecuteDeleteAsync(cancellationToken);
            await db.ConsentStates.Where(s => s.ContactId == id).ExecuteDeleteAsync(cancellationToken);
            await db.ContactAttributeValues.Where(v => v.ContactId == id).ExecuteDeleteAsync(cancellationToken);
            await db.ContactLabels.Where(l => l.ContactId == id).ExecuteDeleteAsync(cancellationToken);
            await db.ContactListMembers.Where(m => m.ContactId == id).ExecuteDeleteAsync(cancellationToken);

            // Campaign rows stay for the campaign's counts, without the filled-in variables (a name, a city).
            await db.CampaignRecipients.Where(r => r.ContactId == id)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.VariableValues, (string?)null), cancellationToken);
            await db.CampaignRecipients.Where(r => r.ContactId == id && r.State == Campaigns.RecipientState.Pending)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.State, Campaigns.RecipientState.Skipped).SetProperty(x => x.Reason, Campaigns.CampaignRecipient.Erased), cancellationToken);
            if (contact.WaId is { } waId)
            {
                await db.ConsentRequests.Where(r => r.WaId == waId).ExecuteDeleteAsync(cancellationToken);
            }

            await db.Notifications.Where(n => conversationIds.Contains(n.ConversationId)).ExecuteDeleteAsync(cancellationToken);
            await db.Outbox.Where(o => messageIds.Contains(o.MessageId)).ExecuteDeleteAsync(cancellationToken);
            await db.PendingStatuses.Where(p => wamids.Contains(p.ProviderMessageId)).ExecuteDeleteAsync(cancellationToken);
            var fileIds = files.Select(f => f.Id).ToList();
            await db.MediaFiles.Where(f => fileIds.Contains(f.Id)).ExecuteDeleteAsync(cancellationToken);
            var blanked = await messages.ExecuteUpdateAsync(
                s => s.SetProperty(m => m.Content, "{}").SetProperty(m => m.ProviderMessageId, (string?)null).SetProperty(m => m.ContextMessageId, (string?)null)
                    .SetProperty(m => m.ClientKey, (string?)null).SetProperty(m => m.ErrorDetails, (string?)null),
                cancellationToken);
            var raw = await ForgetRawAsync([contact.WaId, contact.UserId, contact.Phone?.TrimStart('+')], cancellationToken);

            var customerId = contact.CustomerId;
            contact.CustomerId = CustomerIds.New();
            await CustomerIds.EnsureUniqueAsync(db, [contact], cancellationToken);
            contact.Phone = contact.WaId = contact.UserId = contact.ExternalId = contact.DisplayName = contact.ProfileName = null;
            contact.LastInboundAt = null;
            contact.ErasedAt = contact.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            audit.Add("contact.erased", "contact", id,
                $"{customerId}: {conversationIds.Count} conversations and {blanked} messages emptied, {files.Count} files, {consent} consent records and {raw} raw webhook bodies deleted");
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var file in files)
        {
            try
            {
                store.Delete(file);
            }
            catch (IOException e)
            {
                LogFileNotDeleted(logger, file.Id, e); // An orphan without a row; the media sweep of retention removes it.
            }
        }

        if (!settings.IsPostgres)
        {
            // The write-ahead log still holds the pages as they were; fold it into the file and empty it.
            using (await gate.EnterAsync(cancellationToken))
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken);

                // Everything applied so far, progress statuses committed without waiting for the disk included,
                // is on the disk now, and the gate keeps the processor from committing more until the intake
                // has counted it as moved.
                await intake.PurgeAsync(afterDurableCommit: true, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>Deletes stored webhook bodies and WhatsApp events that carry any of the person's identifiers.</summary>
    private async Task<int> ForgetRawAsync(string?[] identifiers, CancellationToken cancellationToken)
    {
        var needles = identifiers.OfType<string>().Where(i => i.Length >= 6).Distinct().Select(i => Encoding.UTF8.GetBytes(i)).ToList();
        if (needles.Count == 0)
        {
            return 0;
        }

        var doomed = new List<long>();
        long after = 0;
        while (true)
        {
            var batch = await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.Id > after).OrderBy(d => d.Id).Take(ScanBatch)
                .Select(d => new { d.Id, d.Body }).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            doomed.AddRange(batch.Where(d => needles.Any(n => d.Body.AsSpan().IndexOf(n) >= 0)).Select(d => d.Id));
            after = batch[^1].Id;
        }

        var deleted = 0;
        foreach (var chunk in doomed.Chunk(ScanBatch))
        {
            deleted += await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => chunk.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
        }

        var texts = identifiers.OfType<string>().Where(i => i.Length >= 6).Distinct().ToList();
        foreach (var text in texts)
        {
            await db.WhatsAppEvents.Where(e => e.Payload.Contains(text)).ExecuteDeleteAsync(cancellationToken);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The file of media {MediaId} of an erased contact could not be deleted")]
    private static partial void LogFileNotDeleted(ILogger logger, Guid mediaId, Exception exception);
}
