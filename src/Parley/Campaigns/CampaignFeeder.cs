using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Campaigns;

/// <summary>
/// Moves a running campaign's recipients into the outbox, a little at a time: per sender number only as
/// many as its throughput sends in <see cref="CampaignOptions.AheadSeconds"/>, only while the WhatsApp
/// account's messaging-limit budget (unique customers per rolling 24 hours) has room, and only
/// recipients whose local time is inside the daily window. Each recipient is checked once more
/// (erased, consent, frequency cap) and then queued: its state, its message and the outbox row are one
/// commit, and the state is a concurrency token, so nobody is queued twice. The outbox does the rest
/// (pacing, the pair limit, retries, reconciling sends of unknown outcome, the last consent check).
/// </summary>
public sealed partial class CampaignFeeder(
    ParleyDb db, WriteGate gate, AuditLog audit, OutboxBell outbox, IOptions<CampaignOptions> options, TimeProvider clock, ILogger<CampaignFeeder> logger)
{
    private const int ConsentSlice = 100;

    /// <summary>One round for one campaign of the current workspace.</summary>
    public async Task FeedAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (campaign is { State: CampaignState.Scheduled } && campaign.StartAt <= now)
        {
            campaign.State = CampaignState.Running;
            campaign.StartedAt ??= now;
            campaign.UpdatedAt = now;
            if (!await SaveStateAsync(cancellationToken))
            {
                return;
            }
        }

        if (campaign is not { State: CampaignState.Running })
        {
            return;
        }

        var poolIds = JsonSerializer.Deserialize<List<Guid>>(campaign.Numbers) ?? [];
        var numbers = await db.WhatsAppNumbers.AsNoTracking().Where(n => poolIds.Contains(n.Id)).ToListAsync(cancellationToken);
        var (choice, problem) = await TemplateAsync(campaign, numbers, cancellationToken);
        if (problem is not null)
        {
            campaign.State = CampaignState.Paused;
            campaign.StateReason = problem;
            campaign.UpdatedAt = now;
            audit.Add("campaign.paused", "campaign", campaign.Id, problem);
            await SaveStateAsync(cancellationToken);
            return;
        }

        var zones = await OpenZonesAsync(campaign, now, cancellationToken);
        var budgets = new Dictionary<string, int>(); // per WhatsApp account, read once a round
        foreach (var number in numbers.Where(n => n.RemovedAt is null && zones is not { Count: 0 }))
        {
            if (!budgets.TryGetValue(number.WabaId, out var budget))
            {
                budgets[number.WabaId] = budget = await TierBudgetAsync(number, now, cancellationToken);
            }

            var room = Math.Min(budget, await OutboxRoomAsync(number, cancellationToken));
            if (room > 0)
            {
                budgets[number.WabaId] = budget - await QueueAsync(campaign, choice!, number, room, zones, now, cancellationToken);
            }
        }

        if (!await db.CampaignRecipients.AnyAsync(r => r.CampaignId == campaign.Id && r.State == RecipientState.Pending, cancellationToken))
        {
            campaign.State = CampaignState.Completed;
            campaign.FinishedAt = now;
            campaign.UpdatedAt = now;
            await SaveStateAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Saves a change of the campaign's state unless someone changed it since it was read (a pause or
    /// cancel at the same moment): the state is a concurrency token, and theirs wins.
    /// </summary>
    private async Task<bool> SaveStateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    /// <summary>Unique customers per rolling 24 hours for a tier; an unknown tier counts as a new account's 250.</summary>
    public static int TierLimit(string? tier) => tier?.ToUpperInvariant() switch
    {
        "TIER_UNLIMITED" => int.MaxValue,
        "TIER_100K" => 100_000,
        "TIER_10K" => 10_000,
        "TIER_2K" => 2_000,
        "TIER_1K" => 1_000,
        _ => 250,
    };

    /// <summary>The template as the first sender's account has it; a problem when it is no longer approved in every sender's account (Meta pauses low-quality ones).</summary>
    private async Task<(TemplateChoice? Choice, string? Problem)> TemplateAsync(Campaign campaign, List<WhatsAppNumber> numbers, CancellationToken cancellationToken)
    {
        var wabas = numbers.Select(n => n.WabaId).Distinct().ToList();
        var templates = await db.WhatsAppTemplates.AsNoTracking()
            .Where(t => wabas.Contains(t.WabaId) && t.Name == campaign.TemplateName && t.Language == campaign.TemplateLanguage)
            .ToListAsync(cancellationToken);
        var status = wabas.Select(w => templates.FirstOrDefault(t => t.WabaId == w)?.Status ?? "DELETED").FirstOrDefault(s => s != "APPROVED");
        return status is null
            ? (TemplateChoices.Choice(templates[0]), null)
            : (null, $"The template {campaign.TemplateName} ({campaign.TemplateLanguage}) is {status} at WhatsApp; resume the campaign once it is approved again.");
    }

    /// <summary>The time zones of waiting recipients whose local time is inside the daily window; null when the campaign has no window.</summary>
    private async Task<List<string>?> OpenZonesAsync(Campaign campaign, DateTime now, CancellationToken cancellationToken)
    {
        if (campaign is not { WindowStart: { } start, WindowEnd: { } end })
        {
            return null;
        }

        var zones = await db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && r.State == RecipientState.Pending)
            .Select(r => r.TimeZone).Distinct().ToListAsync(cancellationToken);
        return [.. zones.Where(z => IsInside(now, z, start, end))];
    }

    /// <summary>Whether it is between <paramref name="start"/> and <paramref name="end"/> (minutes after midnight, may wrap) in the zone.</summary>
    public static bool IsInside(DateTime utc, string zone, int start, int end)
    {
        var local = TimeZoneInfo.TryFindSystemTimeZoneById(zone, out var info) ? TimeZoneInfo.ConvertTimeFromUtc(utc, info) : utc;
        var minute = local.Hour * 60 + local.Minute;
        return start < end ? minute >= start && minute < end : minute >= start || minute < end;
    }

    /// <summary>How many more this number may take now: its throughput's share of the outbox.</summary>
    private async Task<int> OutboxRoomAsync(WhatsAppNumber number, CancellationToken cancellationToken) =>
        (int)(number.Throughput * options.Value.AheadSeconds)
            - await db.Outbox.CountAsync(o => o.WhatsAppNumberId == number.Id && o.State == OutboxState.Pending, cancellationToken);

    /// <summary>
    /// The account's (WABA's) tier budget left, shared by its numbers: its limit minus the unique customers its
    /// numbers reached through campaigns in the last 24 hours.
    /// </summary>
    private async Task<int> TierBudgetAsync(WhatsAppNumber number, DateTime now, CancellationToken cancellationToken)
    {
        var limit = TierLimit(number.MessagingLimit);
        if (limit == int.MaxValue)
        {
            return limit;
        }

        var since = now.AddHours(-24);
        var siblings = db.WhatsAppNumbers.Where(n => n.WabaId == number.WabaId).Select(n => (Guid?)n.Id);
        return limit - await db.CampaignRecipients.Where(r => siblings.Contains(r.WhatsAppNumberId) && r.QueuedAt > since)
            .Select(r => r.ContactId).Distinct().CountAsync(cancellationToken);
    }

    /// <summary>Queues up to <paramref name="room"/> of the number's waiting recipients; answers how many were queued.</summary>
    private async Task<int> QueueAsync(Campaign campaign, TemplateChoice template, WhatsAppNumber number, int room, List<string>? zones, DateTime now, CancellationToken cancellationToken)
    {
        var pending = db.CampaignRecipients.Where(r => r.CampaignId == campaign.Id && r.State == RecipientState.Pending && r.WhatsAppNumberId == number.Id);
        if (zones is not null)
        {
            pending = pending.Where(r => zones.Contains(r.TimeZone));
        }

        var batch = await pending.OrderBy(r => r.Id).Take(room).ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        // The recipients' contacts, consent and conversations are looked up by key, and their workspace is
        // checked on the rows: next to a list of ids, a workspace condition makes SQLite walk the workspace.
        var ids = batch.Select(r => r.ContactId).ToList();
        var contacts = (await db.Contacts.IgnoreQueryFilters().AsNoTracking().Where(c => ids.Contains(c.Id))
                .Select(c => new { c.Id, c.WorkspaceId, c.ErasedAt }).ToListAsync(cancellationToken))
            .Where(c => c.WorkspaceId == campaign.WorkspaceId && c.ErasedAt == null).Select(c => c.Id).ToHashSet();
        // Consent in slices: asked for a round's thousand contacts at once, PostgreSQL's planner reads the whole table instead.
        var consent = new Dictionary<Guid, bool>();
        foreach (var slice in ids.Chunk(ConsentSlice))
        {
            foreach (var state in await db.ConsentStates.IgnoreQueryFilters().AsNoTracking().Where(s => slice.Contains(s.ContactId) && s.Purpose == campaign.Purpose).ToListAsync(cancellationToken))
            {
                if (state.WorkspaceId == campaign.WorkspaceId)
                {
                    consent[state.ContactId] = state.Granted;
                }
            }
        }

        HashSet<Guid> capped = [];
        if (campaign is { FrequencyCap: { } cap, FrequencyDays: { } days })
        {
            var since = now.AddDays(-days);
            capped = await db.CampaignRecipients.Where(r => ids.Contains(r.ContactId) && r.QueuedAt > since && r.CampaignId != campaign.Id)
                .GroupBy(r => r.ContactId).Where(g => g.Count() >= cap).Select(g => g.Key).ToHashSetAsync(cancellationToken);
        }

        var conversations = (await db.Conversations.IgnoreQueryFilters().Where(c => ids.Contains(c.ContactId) && c.WhatsAppNumberId == number.Id).ToListAsync(cancellationToken))
            .Where(c => c.WorkspaceId == campaign.WorkspaceId).ToDictionary(c => c.ContactId);
        // Skips and existing conversations are tracked changes; the new rows (most of a round) are written in
        // bulk, and the queued recipients marked by one prepared statement.
        var (started, messages, sends) = (new List<Conversation>(), new List<Message>(), new List<OutboxEntry>());
        var queued = new List<(Guid RecipientId, Guid MessageId)>();
        foreach (var recipient in batch)
        {
            var skip = !contacts.Contains(recipient.ContactId) ? CampaignRecipient.Erased
                : ConsentPolicy.Check(campaign.Purpose, consent.TryGetValue(recipient.ContactId, out var granted) ? granted : null, windowOpen: false) is { } refusal
                    ? CampaignRecipient.SkipFor(refusal)
                : capped.Contains(recipient.ContactId) ? CampaignRecipient.FrequencyCap
                : null;
            if (skip is not null)
            {
                recipient.State = RecipientState.Skipped;
                recipient.Reason = skip;
                continue;
            }

            if (conversations.TryGetValue(recipient.ContactId, out var conversation))
            {
                conversation.CampaignId = campaign.Id;
                conversation.LastMessageAt = now;
                conversation.UpdatedAt = now;
            }
            else
            {
                conversation = new Conversation { WorkspaceId = campaign.WorkspaceId, ContactId = recipient.ContactId, WhatsAppNumberId = number.Id, Status = ConversationStatus.Resolved, CampaignId = campaign.Id, LastMessageAt = now, CreatedAt = now, UpdatedAt = now };
                started.Add(conversation);
                conversations[recipient.ContactId] = conversation;
            }

            var values = recipient.VariableValues is { } planned ? JsonSerializer.Deserialize<Dictionary<string, string>>(planned)! : [];
            var content = template.Message([.. template.Variables.Select(v => values.GetValueOrDefault(v, ""))])["template"]!;
            var message = new Message
            {
                WorkspaceId = campaign.WorkspaceId,
                ConversationId = conversation.Id,
                Direction = MessageDirection.Outbound,
                Type = "template",
                Content = content.ToJsonString(),
                ClientKey = $"campaign:{recipient.Id:N}",
                Status = MessageStatus.Queued,
                Purpose = campaign.Purpose,
                CreatedAt = now,
            };
            messages.Add(message);
            sends.Add(new OutboxEntry { MessageId = message.Id, WorkspaceId = campaign.WorkspaceId, WhatsAppNumberId = number.Id, NextAttemptAt = now, CreatedAt = now });
            queued.Add((recipient.Id, message.Id));
        }

        try
        {
            using var lease = await gate.EnterAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await BulkInsert.EntitiesAsync(db, started, cancellationToken);
            await BulkInsert.EntitiesAsync(db, messages, cancellationToken);
            await BulkInsert.EntitiesAsync(db, sends, cancellationToken);
            if (await MarkQueuedAsync(queued, now, cancellationToken) < queued.Count)
            {
                // Someone changed a recipient since it was read (a cancel, or a feeder on another node): nothing of the round is kept.
                throw new DbUpdateConcurrencyException($"{queued.Count} recipients of the round were no longer waiting.");
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is DbUpdateException or DbException)
        {
            // Another writer got there first (a conversation made by an inbound message, a cancel): the next round sees it.
            db.ChangeTracker.Clear();
            LogRoundLost(logger, e, campaign.Id);
            return 0;
        }

        if (queued.Count > 0)
        {
            outbox.Ring();
        }

        return queued.Count;
    }

    /// <summary>
    /// Marks the recipients queued with their messages, those still waiting only (the state is the
    /// concurrency token); answers how many were marked. Each row is found by its key.
    /// </summary>
    private async Task<int> MarkQueuedAsync(List<(Guid RecipientId, Guid MessageId)> queued, DateTime now, CancellationToken cancellationToken) =>
        (await BulkInsert.UpdateByKeyAsync<Guid>(db,
            "UPDATE campaign_recipients SET state = 'Queued', message_id = @p1, queued_at = @p2 WHERE id = @p0 AND state = 'Pending'",
            "UPDATE campaign_recipients AS r SET state = 'Queued', message_id = v.message_id, queued_at = @p2 FROM recipient_queued_rows(@p0, @p1) AS v " +
                "WHERE r.id = v.id AND r.state = 'Pending' RETURNING r.id",
            [typeof(Guid), typeof(Guid)], [.. queued.Select(q => new object?[] { q.RecipientId, q.MessageId })], [now], cancellationToken)).Count;

    [LoggerMessage(Level = LogLevel.Information, Message = "A round of campaign {CampaignId} lost a race; the next round repeats it")]
    private static partial void LogRoundLost(ILogger logger, Exception exception, Guid campaignId);
}
