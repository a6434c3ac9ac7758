using System.Globalization;
using System.Text.Json;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Campaigns;

public sealed record CampaignNumberView(Guid Id, string DisplayPhoneNumber, string? MessagingLimit, int Throughput);

public sealed record CampaignSummary(Guid Id, string Name, string State, string TemplateName, int Recipients, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt);

/// <summary>The funnel counts each step and every step after it (a read message was also delivered and sent).</summary>
public sealed record CampaignFunnel(int Planned, int ToSend, int Queued, int Sent, int Delivered, int Read, int Replied);

public sealed record CampaignFailure(int? Code, string? Title, int Count);

public sealed record CampaignView(
    Guid Id, string Name, string State, string? StateReason, string TemplateName, string TemplateLanguage, string TemplateCategory, string Purpose,
    JsonElement Audience, JsonElement Variables, IReadOnlyList<CampaignNumberView> Numbers, DateTime? StartAt, string? SendFrom, string? SendUntil, string TimeZone,
    int? FrequencyCap, int? FrequencyDays, int Recipients, IReadOnlyDictionary<string, int> Counts, CampaignFunnel Funnel,
    IReadOnlyDictionary<string, int> Skipped, IReadOnlyList<CampaignFailure> Failures, int OptOuts, JsonElement Estimate, decimal Cost, string Currency,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt);

public sealed record RecipientView(
    Guid Id, string CustomerId, string Status, string? Reason, int? ErrorCode, string? ErrorTitle, Guid? ConversationId,
    DateTime? QueuedAt, DateTime? SentAt, DateTime? DeliveredAt, DateTime? ReadAt, DateTime? RepliedAt);

public sealed record RecipientPage(IReadOnlyList<RecipientView> Items, string? Next);

/// <summary>
/// Campaigns as people see them — list, dashboard (counts per state, funnel, skips and failures by reason,
/// opt-outs, cost), recipients (by customer ID; a campaign never shows a phone number) and their CSV — and
/// what people do with them: start, pause, resume, cancel.
/// </summary>
public sealed class Campaigns(ParleyDb db, AuditLog audit, CampaignBell bell, WriteGate gate, IOptions<CampaignOptions> options, TimeProvider clock)
{
    public static readonly string[] Statuses = ["pending", "queued", "sent", "delivered", "read", "replied", "failed", "skipped", "cancelled"];
    private const string CancelledRefusal = "cancelled";

    public async Task<List<CampaignSummary>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await db.Campaigns.AsNoTracking().OrderByDescending(c => c.CreatedAt).ToListAsync(cancellationToken))
            .Select(c => new CampaignSummary(c.Id, c.Name, c.State.ToString().ToLowerInvariant(), c.TemplateName, c.Recipients, c.CreatedAt, c.StartedAt, c.FinishedAt))];

    public async Task<CampaignView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var campaign = await db.Campaigns.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return null;
        }

        // Recipients not handed over yet have no message: they are counted alone, without the join (on a new
        // campaign, that is every row); the others with their message's status.
        var groups = await db.CampaignRecipients.Where(r => r.CampaignId == id && r.MessageId == null)
            .GroupBy(r => new { r.State, r.Reason, r.Country })
            .Select(g => new RecipientGroup(g.Key.State, g.Key.Reason, g.Key.Country, false, null, null, null, null, g.Count()))
            .ToListAsync(cancellationToken);
        groups.AddRange(await (
            from r in db.CampaignRecipients.Where(r => r.CampaignId == id && r.MessageId != null)
            join m in db.Messages on r.MessageId equals m.Id
            group r by new { r.State, r.Reason, r.Country, Replied = r.RepliedAt != null, m.Status, m.Refusal, m.ErrorCode, m.ErrorTitle } into g
            select new RecipientGroup(g.Key.State, g.Key.Reason, g.Key.Country, g.Key.Replied, g.Key.Status, g.Key.Refusal, g.Key.ErrorCode, g.Key.ErrorTitle, g.Count()))
            .ToListAsync(cancellationToken));

        var counts = Statuses.ToDictionary(s => s, _ => 0);
        var skipped = new Dictionary<string, int>();
        var failures = new Dictionary<(int?, string?), int>();
        var prices = options.Value.Prices.GetValueOrDefault(campaign.TemplateCategory) ?? [];
        decimal cost = 0;
        foreach (var group in groups)
        {
            var status = Status(group.State, group.Status, group.Refusal, group.Replied);
            counts[status] += group.Count;
            if (status == "skipped")
            {
                var reason = group.Refusal is { } refusal ? CampaignRecipient.SkipFor(refusal) : (group.Reason ?? "").Split(':')[0];
                skipped[reason] = skipped.GetValueOrDefault(reason) + group.Count;
            }
            else if (status == "failed")
            {
                failures[(group.ErrorCode, group.ErrorTitle)] = failures.GetValueOrDefault((group.ErrorCode, group.ErrorTitle)) + group.Count;
            }

            // Only delivered templates are charged.
            if (status is "delivered" or "read" or "replied" && (prices.TryGetValue(group.Country ?? "??", out var price) || prices.TryGetValue("*", out price)))
            {
                cost += price * group.Count;
            }
        }

        var read = counts["read"] + counts["replied"];
        var delivered = read + counts["delivered"];
        var sentCount = delivered + counts["sent"];
        var funnel = new CampaignFunnel(campaign.Recipients, campaign.Recipients - counts["skipped"] - counts["cancelled"], sentCount + counts["queued"] + counts["failed"], sentCount, delivered, read, counts["replied"]);
        var purpose = campaign.Purpose;
        var optOuts = await db.ConsentRecords.Where(c => !c.Granted && c.Purpose == purpose
                && db.CampaignRecipients.Any(r => r.CampaignId == id && r.ContactId == c.ContactId && r.QueuedAt <= c.OccurredAt))
            .Select(c => c.ContactId).Distinct().CountAsync(cancellationToken);
        var poolIds = JsonSerializer.Deserialize<List<Guid>>(campaign.Numbers) ?? [];
        var numbers = await db.WhatsAppNumbers.AsNoTracking().Where(n => poolIds.Contains(n.Id))
            .Select(n => new CampaignNumberView(n.Id, n.DisplayPhoneNumber, n.MessagingLimit, n.Throughput)).ToListAsync(cancellationToken);
        using var audience = JsonDocument.Parse(campaign.Audience);
        using var variables = JsonDocument.Parse(campaign.Variables);
        using var estimate = JsonDocument.Parse(campaign.Estimate);
        return new CampaignView(
            campaign.Id, campaign.Name, campaign.State.ToString().ToLowerInvariant(), campaign.StateReason, campaign.TemplateName, campaign.TemplateLanguage,
            campaign.TemplateCategory, campaign.Purpose, audience.RootElement.Clone(), variables.RootElement.Clone(), numbers, campaign.StartAt,
            Clock(campaign.WindowStart), Clock(campaign.WindowEnd), campaign.TimeZone, campaign.FrequencyCap, campaign.FrequencyDays, campaign.Recipients,
            counts, funnel, skipped, [.. failures.OrderByDescending(f => f.Value).Select(f => new CampaignFailure(f.Key.Item1, f.Key.Item2, f.Value))], optOuts,
            estimate.RootElement.Clone(), cost, options.Value.Currency, campaign.CreatedAt, campaign.StartedAt, campaign.FinishedAt);
    }

    public Task<bool> ExistsAsync(Guid id, CancellationToken cancellationToken) => db.Campaigns.AnyAsync(c => c.Id == id, cancellationToken);

    /// <summary>A page of recipients in planning order; <paramref name="status"/> is one of <see cref="Statuses"/>.</summary>
    public async Task<Outcome<RecipientPage>> RecipientsAsync(Guid id, string? status, string? after, int limit, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(id, cancellationToken))
        {
            return OperationError.NotFound;
        }

        if (status is not null && !Statuses.Contains(status))
        {
            return OperationError.Invalid("status", $"status is one of {string.Join(", ", Statuses)}.");
        }

        Guid? cursor = null;
        if (after is not null)
        {
            if (!Guid.TryParse(after, out var parsed))
            {
                return OperationError.Invalid("after", "after is the next value of the previous page.");
            }

            cursor = parsed;
        }

        var rows = Rows(id, status);
        if (cursor is { } from)
        {
            rows = rows.Where(r => r.Recipient.Id.CompareTo(from) > 0);
        }

        var page = await rows.OrderBy(r => r.Recipient.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = page.Take(limit).Select(View).ToList();
        return new RecipientPage(items, page.Count > limit ? items[^1].Id.ToString() : null);
    }

    /// <summary>Every recipient as CSV (customer ID, never a phone number), page by page; the export is audited.</summary>
    public async Task WriteCsvAsync(Guid id, Stream output, CancellationToken cancellationToken)
    {
        audit.Add("campaign.recipients_exported", "campaign", id);
        await db.SaveChangesAsync(cancellationToken);
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        await csv.WriteRecordAsync(["customer_id", "status", "reason", "error_code", "error", "queued_at", "sent_at", "delivered_at", "read_at", "replied_at"], cancellationToken);
        string? after = null;
        do
        {
            var page = (await RecipientsAsync(id, null, after, 2000, cancellationToken)).Value!;
            foreach (var r in page.Items)
            {
                await csv.WriteRecordAsync([r.CustomerId, r.Status, r.Reason ?? "", r.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "", r.ErrorTitle ?? "",
                    Time(r.QueuedAt), Time(r.SentAt), Time(r.DeliveredAt), Time(r.ReadAt), Time(r.RepliedAt)], cancellationToken);
            }

            after = page.Next;
        }
        while (after is not null);

        await csv.FlushAsync(cancellationToken);
    }

    public Task<OperationError?> StartAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "campaign.started", [CampaignState.Draft], "Only a planned campaign that has not started yet can be started.", (campaign, now) =>
        {
            campaign.State = campaign.StartAt > now ? CampaignState.Scheduled : CampaignState.Running;
            campaign.StartedAt = campaign.State == CampaignState.Running ? now : null;
        }, cancellationToken);

    public Task<OperationError?> PauseAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "campaign.paused", [CampaignState.Running, CampaignState.Scheduled], "Only a running or scheduled campaign can be paused.",
            (campaign, _) => campaign.State = CampaignState.Paused, cancellationToken);

    public Task<OperationError?> ResumeAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "campaign.resumed", [CampaignState.Paused], "Only a paused campaign can be resumed.", (campaign, now) =>
        {
            campaign.State = campaign.StartAt > now ? CampaignState.Scheduled : CampaignState.Running;
            campaign.StartedAt ??= campaign.State == CampaignState.Running ? now : null;
            campaign.StateReason = null;
        }, cancellationToken);

    /// <summary>
    /// Stops the campaign for good: waiting recipients are cancelled, and so are messages still waiting in
    /// the outbox (a send already handed to WhatsApp is not called back).
    /// </summary>
    public async Task<OperationError?> CancelAsync(Guid id, CancellationToken cancellationToken)
    {
        using var lease = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var outcome = await ChangeAsync(id, "campaign.cancelled", [CampaignState.Draft, CampaignState.Scheduled, CampaignState.Running, CampaignState.Paused],
            "A completed or cancelled campaign cannot be cancelled.", (campaign, now) =>
            {
                campaign.State = CampaignState.Cancelled;
                campaign.FinishedAt = now;
            }, cancellationToken);
        if (outcome is not null)
        {
            return outcome;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var waiting = await db.Outbox.Where(o => o.State == OutboxState.Pending && db.CampaignRecipients.Any(r => r.CampaignId == id && r.MessageId == o.MessageId))
            .Select(o => o.MessageId).ToListAsync(cancellationToken);
        foreach (var chunk in waiting.Chunk(1000))
        {
            await db.Outbox.Where(o => chunk.Contains(o.MessageId) && o.State == OutboxState.Pending).ExecuteDeleteAsync(cancellationToken);
            await db.Messages.Where(m => chunk.Contains(m.Id) && m.Status == MessageStatus.Queued && !db.Outbox.Any(o => o.MessageId == m.Id))
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.Status, MessageStatus.Failed).SetProperty(x => x.FailedAt, now).SetProperty(x => x.Refusal, CancelledRefusal)
                    .SetProperty(x => x.ErrorTitle, "Campaign cancelled").SetProperty(x => x.ErrorDetails, "The campaign was cancelled before this message was sent."), cancellationToken);
        }

        await db.CampaignRecipients.Where(r => r.CampaignId == id && (r.State == RecipientState.Pending
                || (r.State == RecipientState.Queued && db.Messages.Any(m => m.Id == r.MessageId && m.Refusal == CancelledRefusal))))
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.State, RecipientState.Cancelled), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>What a recipient's row and its message say together.</summary>
    public static string Status(RecipientState state, MessageStatus? message, string? refusal, bool replied) => state switch
    {
        RecipientState.Pending => "pending",
        RecipientState.Skipped => "skipped",
        RecipientState.Cancelled => "cancelled",
        _ when refusal is not null => "skipped", // the last consent check before sending (a STOP while it waited)
        _ when message is MessageStatus.Failed => "failed",
        _ when replied => "replied",
        _ => message switch
        {
            MessageStatus.Read => "read",
            MessageStatus.Delivered => "delivered",
            MessageStatus.Sent => "sent",
            _ => "queued",
        },
    };

    private sealed record RecipientGroup(
        RecipientState State, string? Reason, string? Country, bool Replied, MessageStatus? Status, string? Refusal, int? ErrorCode, string? ErrorTitle, int Count);

    /// <summary>A member-init shape (not a constructor), so that EF can still filter on it.</summary>
    private sealed class Row
    {
        public required CampaignRecipient Recipient { get; init; }
        public required string CustomerId { get; init; }
        public Message? Message { get; init; }
    }

    private IQueryable<Row> Rows(Guid id, string? status)
    {
        var rows = from r in db.CampaignRecipients.Where(r => r.CampaignId == id)
                   join c in db.Contacts on r.ContactId equals c.Id
                   join m in db.Messages on r.MessageId equals m.Id into sent
                   from m in sent.DefaultIfEmpty()
                   select new Row { Recipient = r, CustomerId = c.CustomerId, Message = m };
        var queued = RecipientState.Queued;
        var step = status is "queued" or "sent" or "delivered" or "read" ? Enum.Parse<MessageStatus>(status, ignoreCase: true) : MessageStatus.Queued;
        return status switch
        {
            "pending" => rows.Where(r => r.Recipient.State == RecipientState.Pending),
            "cancelled" => rows.Where(r => r.Recipient.State == RecipientState.Cancelled),
            "skipped" => rows.Where(r => r.Recipient.State == RecipientState.Skipped || (r.Recipient.State == queued && r.Message!.Refusal != null)),
            "failed" => rows.Where(r => r.Recipient.State == queued && r.Message!.Refusal == null && r.Message.Status == MessageStatus.Failed),
            "replied" => rows.Where(r => r.Recipient.State == queued && r.Message!.Status != MessageStatus.Failed && r.Recipient.RepliedAt != null),
            "queued" or "sent" or "delivered" or "read" => rows.Where(r => r.Recipient.State == queued && r.Recipient.RepliedAt == null && r.Message!.Status == step),
            _ => rows,
        };
    }

    private static RecipientView View(Row row)
    {
        var (r, m) = (row.Recipient, row.Message);
        var status = Status(r.State, m?.Status, m?.Refusal, r.RepliedAt is not null);
        var reason = r.Reason ?? (m?.Refusal is { } refusal ? CampaignRecipient.SkipFor(refusal) : null);
        return new RecipientView(r.Id, row.CustomerId, status, reason, m?.ErrorCode, m?.Refusal is null ? m?.ErrorTitle : null, m?.ConversationId,
            r.QueuedAt, m?.SentAt, m?.DeliveredAt, m?.ReadAt, r.RepliedAt);
    }

    private async Task<OperationError?> ChangeAsync(
        Guid id, string action, CampaignState[] from, string refusal, Action<Campaign, DateTime> change, CancellationToken cancellationToken)
    {
        var campaign = await db.Campaigns.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (campaign is null)
        {
            return OperationError.NotFound;
        }

        if (!from.Contains(campaign.State))
        {
            return new OperationError(ErrorKind.Conflict, $"{refusal} This one is {campaign.State.ToString().ToLowerInvariant()}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        change(campaign, now);
        campaign.UpdatedAt = now;
        audit.Add(action, "campaign", campaign.Id);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The state is a concurrency token: the campaign finished or paused itself at this very moment.
            return new OperationError(ErrorKind.Conflict, "The campaign changed at this very moment; reload it and try again.");
        }

        bell.Ring();
        return null;
    }

    private static string? Clock(int? minutes) => minutes is { } m ? $"{m / 60:00}:{m % 60:00}" : null;

    private static string Time(DateTime? at) => at?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
}
