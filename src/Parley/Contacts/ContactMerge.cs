using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Contacts;

/// <summary>
/// Merges a duplicate into the contact that stays: conversations (two with the same business number
/// become one, messages and all), labels, list memberships and the attribute values the survivor lacks
/// move over; identifiers the survivor lacks (phone, wa_id, BSUID, external id, names) are taken; the
/// duplicate is deleted. One transaction, one audit entry.
/// </summary>
public sealed class ContactMerge(ParleyDb db, ContactBook book, AuditLog audit, WriteGate gate, TimeProvider clock)
{
    public async Task<Outcome<ContactView>> MergeAsync(Guid keepId, Guid? duplicateId, CancellationToken cancellationToken)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == keepId, cancellationToken))
        {
            return OperationError.NotFound;
        }

        if (duplicateId is not { } dupId || dupId == keepId)
        {
            return OperationError.Invalid("duplicateId", "duplicateId is the id of another contact of this workspace, to be merged into this one.");
        }

        using var lease = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var keep = await db.Contacts.FirstAsync(c => c.Id == keepId, cancellationToken);
        var duplicate = await db.Contacts.FirstOrDefaultAsync(c => c.Id == dupId, cancellationToken);
        if (duplicate is null)
        {
            return OperationError.Invalid("duplicateId", "There is no such contact in this workspace.");
        }

        var kept = await db.Conversations.Where(c => c.ContactId == keepId).ToDictionaryAsync(c => c.WhatsAppNumberId, cancellationToken);
        // Not tracked: the tracker would otherwise cascade the duplicate's removal to conversations that have moved.
        foreach (var moving in await db.Conversations.AsNoTracking().Where(c => c.ContactId == dupId).ToListAsync(cancellationToken))
        {
            if (kept.TryGetValue(moving.WhatsAppNumberId, out var target))
            {
                // One thread per contact and number: the duplicate's messages join the survivor's thread.
                await db.Messages.Where(m => m.ConversationId == moving.Id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ConversationId, target.Id), cancellationToken);
                target.LastInboundAt = Later(target.LastInboundAt, moving.LastInboundAt);
                target.LastMessageAt = Later(target.LastMessageAt, moving.LastMessageAt)!.Value;
                target.UpdatedAt = clock.GetUtcNow().UtcDateTime;
                await db.Conversations.Where(c => c.Id == moving.Id).ExecuteDeleteAsync(cancellationToken);
            }
            else
            {
                await db.Conversations.Where(c => c.Id == moving.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ContactId, keepId), cancellationToken);
            }
        }

        var labels = await db.ContactLabels.Where(l => l.ContactId == dupId || l.ContactId == keepId).ToListAsync(cancellationToken);
        foreach (var label in labels.Where(l => l.ContactId == dupId && !labels.Any(k => k.ContactId == keepId && k.LabelId == l.LabelId)))
        {
            db.ContactLabels.Add(new ContactLabel { ContactId = keepId, LabelId = label.LabelId, WorkspaceId = keep.WorkspaceId });
        }

        var members = await db.ContactListMembers.Where(m => m.ContactId == dupId || m.ContactId == keepId).ToListAsync(cancellationToken);
        foreach (var member in members.Where(m => m.ContactId == dupId && !members.Any(k => k.ContactId == keepId && k.ListId == m.ListId)))
        {
            db.ContactListMembers.Add(new ContactListMember { ListId = member.ListId, ContactId = keepId, WorkspaceId = keep.WorkspaceId, AddedAt = member.AddedAt });
        }

        var values = await db.ContactAttributeValues.Where(v => v.ContactId == dupId || v.ContactId == keepId).ToListAsync(cancellationToken);
        foreach (var value in values.Where(v => v.ContactId == dupId && !values.Any(k => k.ContactId == keepId && k.AttributeId == v.AttributeId)))
        {
            db.ContactAttributeValues.Add(new ContactAttributeValue
            {
                ContactId = keepId,
                AttributeId = value.AttributeId,
                WorkspaceId = keep.WorkspaceId,
                TextValue = value.TextValue,
                NumberValue = value.NumberValue,
                DateValue = value.DateValue,
                BoolValue = value.BoolValue,
            });
        }

        // Consent is the person's, so it moves too (the contact's delete would cascade it away): the
        // records as they are, the current state per purpose from whichever statement was made last.
        var states = await db.ConsentStates.Where(c => c.ContactId == dupId || c.ContactId == keepId).ToListAsync(cancellationToken);
        foreach (var state in states.Where(c => c.ContactId == dupId))
        {
            var mine = states.FirstOrDefault(k => k.ContactId == keepId && k.Purpose == state.Purpose);
            if (mine is null)
            {
                db.ConsentStates.Add(new Consent.ConsentState { ContactId = keepId, Purpose = state.Purpose, WorkspaceId = keep.WorkspaceId, Granted = state.Granted, RecordId = state.RecordId, OccurredAt = state.OccurredAt });
            }
            else if (state.OccurredAt > mine.OccurredAt)
            {
                (mine.Granted, mine.RecordId, mine.OccurredAt) = (state.Granted, state.RecordId, state.OccurredAt);
            }
        }

        await db.ConsentRecords.Where(r => r.ContactId == dupId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ContactId, keepId), cancellationToken);

        // Campaign history is the person's, too, so campaign counts stay right. In a campaign that had both,
        // the person counts once from now on: the row that was sent, else the survivor's.
        var recipients = await db.CampaignRecipients.AsNoTracking().Where(r => r.ContactId == dupId || r.ContactId == keepId)
            .Select(r => new { r.Id, r.ContactId, r.CampaignId, Sent = r.MessageId != null }).ToListAsync(cancellationToken);
        foreach (var row in recipients.Where(r => r.ContactId == dupId))
        {
            var mine = recipients.FirstOrDefault(k => k.ContactId == keepId && k.CampaignId == row.CampaignId);
            if (mine is not null)
            {
                await db.Campaigns.Where(c => c.Id == row.CampaignId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Recipients, c => c.Recipients - 1), cancellationToken);
                if (mine.Sent || !row.Sent)
                {
                    continue; // the duplicate's row goes with it
                }

                await db.CampaignRecipients.Where(r => r.Id == mine.Id).ExecuteDeleteAsync(cancellationToken);
            }

            await db.CampaignRecipients.Where(r => r.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.ContactId, keepId), cancellationToken);
        }

        // The duplicate goes first, so the identifiers it hands over are free under the unique indexes.
        var taken = (duplicate.Phone, duplicate.WaId, duplicate.UserId, duplicate.ExternalId, duplicate.DisplayName, duplicate.ProfileName, duplicate.LastInboundAt);
        db.Contacts.Remove(duplicate);
        audit.Add("contact.merged", "contact", keepId, $"{duplicate.CustomerId} merged into {keep.CustomerId}");
        await db.SaveChangesAsync(cancellationToken);

        if (keep.Phone is null && keep.WaId is null && taken.Phone is not null)
        {
            (keep.Phone, keep.WaId) = (taken.Phone, taken.WaId);
        }

        keep.WaId ??= keep.Phone is null ? taken.WaId : null;
        keep.Phone ??= Phones.FromWaId(keep.WaId);
        keep.UserId ??= taken.UserId;
        keep.ExternalId ??= taken.ExternalId;
        keep.DisplayName ??= taken.DisplayName;
        keep.ProfileName ??= taken.ProfileName;
        keep.LastInboundAt = Later(keep.LastInboundAt, taken.LastInboundAt);
        keep.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await book.FindAsync(keepId, cancellationToken))!;
    }

    private static DateTime? Later(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
