using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Consent;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Templates;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Applies webhook items of one workspace (or, without a number, of nobody) inside the caller's
/// transaction. The messages, contacts and conversations the items refer to are read in three queries
/// up front and kept in maps, so an item costs no round trip of its own, and everything is written with
/// one SaveChanges. Every step is idempotent: a delivery processed again after a crash ends in the same state.
/// </summary>
public sealed class WebhookRecorder(ParleyDb db, WorkspaceContext workspace, ConsentSignals consent, TemplateStore templates, TimeProvider clock)
{
    private readonly Dictionary<string, Message> messagesByWamid = [];

    /// <summary>Our sends whose wamid is not stored yet, by our id, for statuses that overtook the sender's commit.</summary>
    private readonly Dictionary<Guid, Message> awaitingWamid = [];
    private readonly Dictionary<Guid, OutboxEntry> outboxByMessage = [];
    private readonly Dictionary<string, Contact> contactsByWaId = [];
    private readonly Dictionary<string, Contact> contactsByUserId = [];
    private readonly Dictionary<string, Contact> contactsByPhone = [];
    private readonly Dictionary<(Guid ContactId, Guid NumberId), Conversation> conversations = [];
    private readonly List<Contact> createdContacts = [];
    private readonly List<(Guid CampaignId, Guid ContactId, DateTime At)> campaignReplies = [];

    /// <summary>Whether the outbox rows of <see cref="outboxByMessage"/> are locked (<see cref="LockOutboxOnceAsync"/>).</summary>
    private bool outboxLocked;

    /// <summary>Applies the items in order; all of them belong to the numbers' one workspace, or are unrouted (no number).</summary>
    public async Task ApplyAsync(IReadOnlyList<(WhatsAppNumber? Number, WebhookItem Item)> items, CancellationToken cancellationToken)
    {
        // The caller's transaction is the unit of work; a savepoint per SaveChanges would only cost.
        db.Database.AutoSavepointsEnabled = false;
        var progress = new HashSet<StatusItem>(ReferenceEqualityComparer.Instance);
        if (items.Select(i => i.Number).FirstOrDefault(n => n is not null) is { } owner)
        {
            workspace.Enter(owner.WorkspaceId, null, Role.Owner, Actor.System);
            progress = await WriteProgressAsync(items, cancellationToken);
            await PrefetchAsync(items.Select(i => i.Item).Where(i => i is not StatusItem status || !progress.Contains(status)), cancellationToken);
        }

        foreach (var (number, item) in items)
        {
            if (item is StatusItem known && progress.Contains(known))
            {
                continue; // written above, all together
            }

            if (number is null)
            {
                // Nobody here owns this number (any more): keep it where an operator can see it.
                RecordEvent(null, item.WabaId, $"unrouted:{Field(item)}", Raw(item));
                continue;
            }

            switch (item)
            {
                case InboundMessageItem message:
                    await ApplyMessageAsync(number, message, cancellationToken);
                    break;
                case StatusItem status:
                    await ApplyStatusAsync(status.Status, cancellationToken);
                    break;
                case EventItem @event:
                    RecordEvent(number.WorkspaceId, item.WabaId, @event.Field, @event.Value.GetRawText());
                    if (@event.Field == "user_preferences")
                    {
                        await ApplyPreferencesAsync(@event.Value, cancellationToken);
                    }
                    else if (TemplateStore.Fields.Contains(@event.Field))
                    {
                        await templates.ApplyAsync(number.WorkspaceId, item.WabaId, @event.Field, @event.Value, cancellationToken);
                    }

                    break;
            }
        }

        // New contacts' random customer IDs are checked against the workspace's before they are written.
        await CustomerIds.EnsureUniqueAsync(db, createdContacts, cancellationToken);
        await LockOutboxOnceAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (campaignId, contactId, at) in campaignReplies.Distinct())
        {
            // An answer within a week of a campaign's message is that campaign's reply (the first one counts).
            var (from, until) = (at.AddDays(-7), at.AddMinutes(1));
            await db.CampaignRecipients.Where(r => r.CampaignId == campaignId && r.ContactId == contactId && r.RepliedAt == null && r.QueuedAt >= from && r.QueuedAt <= until)
                .ExecuteUpdateAsync(r => r.SetProperty(x => x.RepliedAt, at), cancellationToken);
        }
    }

    /// <summary>
    /// Writes the progress statuses (sent, delivered, read) of our sends whose wamid is stored — the bulk of a
    /// busy number's webhooks — without loading and tracking the messages they name; answers the statuses
    /// written. <see cref="StatusLattice"/> folds each message's statuses, in arrival order, onto a blank copy,
    /// and the copies are merged into the stored rows, each found by its wamid, as the lattice would (one
    /// statement per message on SQLite, one for all of them on PostgreSQL): a step's first time is kept, the
    /// status only moves up and never leaves "failed", and pricing takes the latest word. A wamid no row has
    /// (a status that came before its send's record, or someone else's) changes nothing, and its statuses go
    /// the long way with the other items.
    /// </summary>
    private async Task<HashSet<StatusItem>> WriteProgressAsync(IReadOnlyList<(WhatsAppNumber? Number, WebhookItem Item)> items, CancellationToken cancellationToken)
    {
        var statuses = items.Where(i => i.Number is not null).Select(i => i.Item).OfType<StatusItem>().Where(s => s.IsProgress).ToList();
        if (statuses.Count == 0)
        {
            return new HashSet<StatusItem>(ReferenceEqualityComparer.Instance);
        }

        var folded = new Dictionary<string, Message>(StringComparer.Ordinal);
        foreach (var status in statuses)
        {
            if (!folded.TryGetValue(status.MessageId, out var blank))
            {
                folded[status.MessageId] = blank = new Message
                {
                    WorkspaceId = workspace.RequiredWorkspaceId,
                    ConversationId = Guid.Empty,
                    Direction = MessageDirection.Outbound,
                    Type = "",
                    Content = "",
                    CreatedAt = DateTime.UnixEpoch,
                    Status = MessageStatus.Received,
                };
            }

            StatusLattice.Apply(blank, status.Status);
        }

        var written = await BulkInsert.UpdateByKeyAsync<string>(db, ProgressPerRow, ProgressAtOnce, ProgressColumns,
            [.. folded.Select(f => new object?[] { f.Key, f.Value.SentAt, f.Value.DeliveredAt, f.Value.ReadAt, f.Value.Status.ToString(), (int)f.Value.Status, f.Value.PricingCategory, f.Value.PricingType })],
            [workspace.RequiredWorkspaceId], cancellationToken);
        return statuses.Where(s => written.Contains(s.MessageId)).ToHashSet<StatusItem>(ReferenceEqualityComparer.Instance);
    }

    /// <summary>One message's folded progress (<c>@p0</c> … <c>@p7</c>, the workspace <c>@p8</c>), found by its wamid.</summary>
    private static readonly string ProgressPerRow =
        "UPDATE messages SET sent_at = COALESCE(sent_at, @p1), delivered_at = COALESCE(delivered_at, @p2), read_at = COALESCE(read_at, @p3), " +
        $"status = CASE WHEN {Rank("status")} < @p5 THEN @p4 ELSE status END, " +
        "pricing_category = COALESCE(@p6, pricing_category), pricing_type = COALESCE(@p7, pricing_type) " +
        "WHERE provider_message_id = @p0 AND direction = 'Outbound' AND workspace_id = @p8";

    /// <summary>The same for all messages at once, from one array per column (PostgreSQL).</summary>
    private static readonly string ProgressAtOnce =
        "UPDATE messages AS m SET sent_at = COALESCE(m.sent_at, v.sent_at), delivered_at = COALESCE(m.delivered_at, v.delivered_at), read_at = COALESCE(m.read_at, v.read_at), " +
        $"status = CASE WHEN {Rank("m.status")} < v.rank THEN v.status ELSE m.status END, " +
        "pricing_category = COALESCE(v.pricing_category, m.pricing_category), pricing_type = COALESCE(v.pricing_type, m.pricing_type) " +
        "FROM message_progress_rows(@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7) AS v " +
        "WHERE m.provider_message_id = v.wamid AND m.direction = 'Outbound' AND m.workspace_id = @p8 RETURNING m.provider_message_id";

    /// <summary>The types of a message's progress values.</summary>
    private static readonly Type[] ProgressColumns =
        [typeof(string), typeof(DateTime?), typeof(DateTime?), typeof(DateTime?), typeof(string), typeof(int), typeof(string), typeof(string)];

    /// <summary>A stored status's place in the lattice, in SQL (<see cref="MessageStatus"/>'s order; failed last).</summary>
    private static string Rank(string column) =>
        $"CASE {column}{string.Concat(Enum.GetValues<MessageStatus>().Select(s => $" WHEN '{s}' THEN {(int)s}"))} END";

    private async Task PrefetchAsync(IEnumerable<WebhookItem> items, CancellationToken cancellationToken)
    {
        var wamids = new List<string>();
        var waIds = new List<string>();
        var userIds = new List<string>();
        foreach (var item in items)
        {
            switch (item)
            {
                case InboundMessageItem message:
                    wamids.Add(WebhookPayload.Text(message.Message, "id")!);
                    if (message.From is { } from)
                    {
                        waIds.Add(from);
                    }

                    if (message.FromUserId is { } userId)
                    {
                        userIds.Add(userId);
                    }

                    break;
                case StatusItem status:
                    wamids.Add(status.MessageId);
                    break;
                case EventItem { Field: "user_preferences" } preferences:
                    waIds.AddRange(Preferences(preferences.Value).Select(p => p.WaId));
                    break;
            }
        }

        if (wamids.Count > 0)
        {
            // "Not null and in the list": for a list alone EF Core also matches a null in the list, a condition
            // no index of wamids (they are partial, non-null ones) can answer, so PostgreSQL read every message.
            // The wamids go in as literals: as a parameter the statement was prepared once and kept the plan made
            // for a new database's empty table, a scan of every message per batch until statistics caught up.
            foreach (var message in await db.Messages.Where(m => m.ProviderMessageId != null && EF.Constant(wamids).Contains(m.ProviderMessageId)).ToListAsync(cancellationToken))
            {
                messagesByWamid[message.ProviderMessageId!] = message;
            }
        }

        // Statuses for wamids we do not know yet carry our id (biz_opaque_callback_data): the sender has not
        // committed the wamid yet, or its outcome is unknown. Their messages and outbox rows, in two queries.
        var callbacks = items.OfType<StatusItem>().Where(s => !messagesByWamid.ContainsKey(s.MessageId))
            .Select(s => OurId(s.Status)).OfType<Guid>().Distinct().ToList();
        if (callbacks.Count > 0)
        {
            foreach (var message in await db.Messages.Where(m => callbacks.Contains(m.Id) && m.Direction == MessageDirection.Outbound && m.ProviderMessageId == null).ToListAsync(cancellationToken))
            {
                awaitingWamid[message.Id] = message;
            }

            foreach (var entry in await db.Outbox.Where(o => callbacks.Contains(o.MessageId)).ToListAsync(cancellationToken))
            {
                outboxByMessage[entry.MessageId] = entry;
            }
        }

        if (waIds.Count + userIds.Count == 0)
        {
            return;
        }

        // A contact imported or created by phone carries the number's wa_id already; by phone as well in
        // case its wa_id has changed since (a number change), so the number is never given twice.
        var phones = waIds.Select(w => "+" + w).ToList();
        var contacts = await db.Contacts.Where(c => (c.WaId != null && waIds.Contains(c.WaId)) || (c.UserId != null && userIds.Contains(c.UserId)) || (c.Phone != null && phones.Contains(c.Phone))).ToListAsync(cancellationToken);
        foreach (var contact in contacts)
        {
            Remember(contact);
        }

        var contactIds = contacts.Select(c => c.Id).ToList();
        foreach (var conversation in await db.Conversations.Where(c => contactIds.Contains(c.ContactId)).ToListAsync(cancellationToken))
        {
            conversations[(conversation.ContactId, conversation.WhatsAppNumberId)] = conversation;
        }
    }

    private void Remember(Contact contact)
    {
        if (contact.WaId is { } waId)
        {
            contactsByWaId[waId] = contact;
        }

        if (contact.UserId is { } userId)
        {
            contactsByUserId[userId] = contact;
        }

        if (contact.Phone is { } phone)
        {
            contactsByPhone[phone] = contact;
        }
    }

    private async Task ApplyMessageAsync(WhatsAppNumber number, InboundMessageItem item, CancellationToken cancellationToken)
    {
        var message = item.Message;
        var wamid = WebhookPayload.Text(message, "id")!;
        if (messagesByWamid.ContainsKey(wamid))
        {
            return; // A duplicate delivery.
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var contact = FindOrCreateContact(item, now);
        if (!conversations.TryGetValue((contact.Id, number.Id), out var conversation))
        {
            conversation = new Conversation
            {
                WorkspaceId = number.WorkspaceId,
                ContactId = contact.Id,
                WhatsAppNumberId = number.Id,
                TeamId = number.TeamId,
                LastMessageAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Conversations.Add(conversation);
            conversations[(contact.Id, number.Id)] = conversation;
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
        messagesByWamid[wamid] = recorded;
        if (MediaRules.IsMediaMessage(type) && message.TryGetProperty(type, out var media) && WebhookPayload.Text(media, "id") is { } mediaId)
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

        if (contact.LastInboundAt is null || sentAt > contact.LastInboundAt)
        {
            contact.LastInboundAt = sentAt;
        }

        conversation.LastMessageAt = sentAt > conversation.LastMessageAt ? sentAt : conversation.LastMessageAt;
        conversation.UpdatedAt = now;
        if (conversation.Status is ConversationStatus.Resolved)
        {
            // Reopened by the customer: back to the number's team (if it has one), keeping its agent.
            conversation.TeamId = number.TeamId ?? conversation.TeamId;
        }

        conversation.UnreadCount++;
        conversation.AwaitingReplySince ??= sentAt;
        if (conversation.CampaignId is { } campaignId)
        {
            campaignReplies.Add((campaignId, contact.Id, sentAt));
        }

        if (conversation.Status is ConversationStatus.Resolved or ConversationStatus.Snoozed)
        {
            conversation.Status = ConversationStatus.Open;
            conversation.SnoozedUntil = null;
        }

        if (type == "system" && WebhookPayload.Text(message.GetProperty("system"), "wa_id") is { } newWaId
            && !contactsByWaId.ContainsKey(newWaId) && !await db.Contacts.AnyAsync(c => c.WaId == newWaId, cancellationToken))
        {
            contact.WaId = newWaId;
            if (Phones.FromWaId(newWaId) is { } newPhone && !contactsByPhone.ContainsKey(newPhone) && !await db.Contacts.AnyAsync(c => c.Phone == newPhone, cancellationToken))
            {
                contact.Phone = newPhone;
            }

            Remember(contact);
        }

        // What the customer typed, or the label of a template's quick-reply button they tapped (e.g. "STOP").
        var said = type switch
        {
            "text" when message.TryGetProperty("text", out var text) => WebhookPayload.Text(text, "body"),
            "button" when message.TryGetProperty("button", out var button) => WebhookPayload.Text(button, "text"),
            _ => null,
        };
        if (said is { } body)
        {
            await consent.OnInboundTextAsync(number, contact, conversation, wamid, body, sentAt, cancellationToken);
        }
    }

    /// <summary>WhatsApp's marketing stop/resume, per person; a stop for someone unknown still creates the contact, so it is kept.</summary>
    private async Task ApplyPreferencesAsync(JsonElement value, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (waId, resume, detail, at) in Preferences(value))
        {
            var contact = contactsByWaId.GetValueOrDefault(waId) ?? contactsByPhone.GetValueOrDefault("+" + waId);
            if (contact is null)
            {
                if (resume)
                {
                    continue;
                }

                contact = NewContact(waId, null, now);
                Remember(contact);
            }

            await consent.OnPreferenceAsync(contact, resume, detail, at ?? now, cancellationToken);
        }
    }

    private static IEnumerable<(string WaId, bool Resume, string? Detail, DateTime? At)> Preferences(JsonElement value)
    {
        if (!value.TryGetProperty("user_preferences", out var preferences) || preferences.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var preference in preferences.EnumerateArray())
        {
            if (WebhookPayload.Text(preference, "wa_id") is { } waId
                && WebhookPayload.Text(preference, "category") is null or "marketing_messages"
                && WebhookPayload.Text(preference, "value") is "stop" or "resume")
            {
                yield return (waId, WebhookPayload.Text(preference, "value") == "resume", WebhookPayload.Text(preference, "detail"), WebhookPayload.Timestamp(preference, "timestamp"));
            }
        }
    }

    /// <summary>The sender by wa_id, else by business-scoped user id (both were prefetched), else a new contact.</summary>
    private Contact FindOrCreateContact(InboundMessageItem item, DateTime now)
    {
        var waId = item.From;
        var userId = item.FromUserId;
        var contact = waId is not null ? contactsByWaId.GetValueOrDefault(waId) : null;
        contact ??= userId is not null ? contactsByUserId.GetValueOrDefault(userId) : null;
        contact ??= waId is not null ? contactsByPhone.GetValueOrDefault("+" + waId) : null;
        contact ??= NewContact(waId, userId, now);

        contact.WaId ??= waId;
        contact.UserId ??= userId;
        Remember(contact);
        if (item.Contact is { } sender && sender.TryGetProperty("profile", out var profile) && WebhookPayload.Text(profile, "name") is { } name)
        {
            contact.ProfileName = name.Length > 200 ? name[..200] : name;
        }

        contact.UpdatedAt = now;
        return contact;
    }

    /// <summary>A contact first met in this batch: its phone from the wa_id, and a customer ID checked before the commit.</summary>
    private Contact NewContact(string? waId, string? userId, DateTime now)
    {
        var contact = new Contact { WorkspaceId = workspace.RequiredWorkspaceId, WaId = waId, UserId = userId, Phone = Phones.FromWaId(waId), CreatedAt = now, UpdatedAt = now };
        db.Contacts.Add(contact);
        createdContacts.Add(contact);
        return contact;
    }

    /// <summary>
    /// Applies a status monotonically. A status for a wamid we don't know yet is matched by the
    /// <c>biz_opaque_callback_data</c> we sent (an ambiguous send is reconciled that way), or parked in
    /// pending_statuses until the sender stores the wamid.
    /// </summary>
    private async Task ApplyStatusAsync(JsonElement status, CancellationToken cancellationToken)
    {
        var wamid = WebhookPayload.Text(status, "id")!;
        var message = messagesByWamid.GetValueOrDefault(wamid) is { Direction: MessageDirection.Outbound } known ? known : null;
        if (message is null && OurId(status) is { } ourId)
        {
            message = awaitingWamid.Remove(ourId, out var awaiting) ? awaiting : null;
            if (message is not null)
            {
                message.ProviderMessageId = wamid;
                messagesByWamid[wamid] = message;
                if (message.Status == MessageStatus.Failed && message.ErrorTitle == OutboxDispatcher.OutcomeUnknown)
                {
                    // It was sent after all: undo the "unknown" verdict and let the statuses speak.
                    (message.Status, message.FailedAt, message.ErrorTitle, message.ErrorDetails) = (MessageStatus.Queued, null, null, null);
                }

                if (outboxByMessage.GetValueOrDefault(ourId) is { State: OutboxState.InFlight or OutboxState.Failed } entry)
                {
                    entry.State = OutboxState.Done;
                    entry.LastError = null;
                }
            }
        }

        if (message is null)
        {
            db.PendingStatuses.Add(new PendingStatus { ProviderMessageId = wamid, Payload = status.GetRawText(), ReceivedAt = clock.GetUtcNow().UtcDateTime });
            await LockOutboxOnceAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);

            // The sender may have stored the wamid meanwhile; see whether the backlog can be applied now.
            message = await db.Messages.FirstOrDefaultAsync(m => m.ProviderMessageId == wamid && m.Direction == MessageDirection.Outbound, cancellationToken);
            if (message is not null)
            {
                await StatusBacklog.ApplyAsync(db, message, cancellationToken);
            }

            return;
        }

        var failedBefore = message.Status == MessageStatus.Failed;
        StatusLattice.Apply(message, status);
        if (!failedBefore && message is { Status: MessageStatus.Failed, ErrorCode: 131050 })
        {
            await consent.OnMarketingStoppedAsync(message.ConversationId, message, message.FailedAt ?? clock.GetUtcNow().UtcDateTime, cancellationToken);
        }
    }

    /// <summary>
    /// Locks the outbox rows of the sends this batch may reconcile by their callback id, once, just before
    /// anything is written (<see cref="OutboxSender.LockOutboxAsync"/>): taken then, not as the batch is
    /// read, the lock keeps a sender that is storing those sends' wamids waiting only for this commit.
    /// </summary>
    private async Task LockOutboxOnceAsync(CancellationToken cancellationToken)
    {
        if (!outboxLocked && outboxByMessage.Count > 0)
        {
            await OutboxSender.LockOutboxAsync(db, outboxByMessage.Keys, cancellationToken);
            outboxLocked = true;
        }
    }

    /// <summary>The message id we sent along as <c>biz_opaque_callback_data</c>, if the status carries it.</summary>
    private static Guid? OurId(JsonElement status) =>
        Guid.TryParse(WebhookPayload.Text(status, "biz_opaque_callback_data"), out var id) ? id : null;

    private void RecordEvent(Guid? workspaceId, string wabaId, string field, string payload) =>
        db.WhatsAppEvents.Add(new WhatsAppEvent { WorkspaceId = workspaceId, WabaId = wabaId, Field = field, Payload = payload, ReceivedAt = clock.GetUtcNow().UtcDateTime });

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
