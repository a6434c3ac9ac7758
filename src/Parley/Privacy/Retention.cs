using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Identity;

namespace Parley.Privacy;

/// <summary>The rules as the API and the page show and take them; null keeps that kind of data.</summary>
public sealed record RetentionRulesView(
    int? MessageContentDays, int? MediaDays, int? ResolvedConversationDays, int? AuditLogDays, int ConsentEvidenceYears,
    DateTime? LastRunAt, IReadOnlyDictionary<string, int>? LastRun);

public sealed record RetentionRulesRequest(int? MessageContentDays, int? MediaDays, int? ResolvedConversationDays, int? AuditLogDays, int? ConsentEvidenceYears);

public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>How often the retention job applies every workspace's rules.</summary>
    public TimeSpan RunEvery { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Reads and changes the current workspace's retention rules (changes are audited).</summary>
public sealed class Retention(ParleyDb db, AuditLog audit, WorkspaceContext workspace, TimeProvider clock)
{
    public const int MaxDays = 36_500;

    public async Task<RetentionRulesView> GetAsync(CancellationToken cancellationToken) =>
        View(await db.RetentionRules.AsNoTracking().FirstOrDefaultAsync(cancellationToken));

    public async Task<Outcome<RetentionRulesView>> SaveAsync(RetentionRulesRequest request, CancellationToken cancellationToken)
    {
        foreach (var (field, days) in new[] { ("messageContentDays", request.MessageContentDays), ("mediaDays", request.MediaDays), ("resolvedConversationDays", request.ResolvedConversationDays) })
        {
            if (days is < 1 or > MaxDays)
            {
                return OperationError.Invalid(field, "Give a number of days from 1 to 36500, or nothing to keep this data.");
            }
        }

        if (request.AuditLogDays is < RetentionRules.MinAuditLogDays or > MaxDays)
        {
            return OperationError.Invalid("auditLogDays", "The audit log is kept at least 180 days (it is the record of who did what); give 180 to 36500, or nothing to keep it.");
        }

        if (request.ConsentEvidenceYears is < 1 or > 30)
        {
            return OperationError.Invalid("consentEvidenceYears", "Superseded consent evidence is kept 1 to 30 years (the default, 4, covers the three-year limitation period).");
        }

        var rules = await db.RetentionRules.FirstOrDefaultAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (rules is null)
        {
            rules = new RetentionRules { WorkspaceId = workspace.RequiredWorkspaceId, UpdatedAt = now };
            db.RetentionRules.Add(rules);
        }

        rules.MessageContentDays = request.MessageContentDays;
        rules.MediaDays = request.MediaDays;
        rules.ResolvedConversationDays = request.ResolvedConversationDays;
        rules.AuditLogDays = request.AuditLogDays;
        rules.ConsentEvidenceYears = request.ConsentEvidenceYears ?? RetentionRules.DefaultConsentEvidenceYears;
        rules.UpdatedAt = now;
        audit.Add("retention.changed", details:
            $"message content {Days(rules.MessageContentDays)}, media {Days(rules.MediaDays)}, resolved conversations {Days(rules.ResolvedConversationDays)}, audit log {Days(rules.AuditLogDays)}, consent evidence {rules.ConsentEvidenceYears} years");
        await db.SaveChangesAsync(cancellationToken);
        return View(rules);
    }

    private static string Days(int? days) => days is { } d ? $"{d} days" : "kept";

    private static RetentionRulesView View(RetentionRules? rules) => rules is null
        ? new(null, null, null, null, RetentionRules.DefaultConsentEvidenceYears, null, null)
        : new(rules.MessageContentDays, rules.MediaDays, rules.ResolvedConversationDays, rules.AuditLogDays, rules.ConsentEvidenceYears, rules.LastRunAt,
            rules.LastRunReport is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(rules.LastRunReport));
}

/// <summary>
/// Applies every workspace's retention rules every <see cref="RetentionOptions.RunEvery"/>, and drops
/// parked statuses older than <see cref="PendingStatusLifetime"/>: a status overtakes our own send
/// record by seconds, so one that found no message in a day never will (e.g. it is for a message of an
/// erased person, whose wamid is gone) — and it carries the recipient's number.
/// </summary>
public sealed partial class RetentionJob(IServiceScopeFactory scopes, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionJob> logger) : BackgroundService
{
    public static readonly TimeSpan PendingStatusLifetime = TimeSpan.FromDays(1);

    /// <summary>
    /// A webhook body as Meta sent it carries numbers and message texts. Once processed it is only kept
    /// a day for diagnosis — no longer than the shortest rule a workspace may set for message content.
    /// Dead letters stay until an admin replays them.
    /// </summary>
    public static readonly TimeSpan ProcessedWebhookLifetime = TimeSpan.FromDays(1);

    private const int DeleteBatch = 2000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(options.Value.RunEvery, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRunFailed(logger, e);
                await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>One pass over every workspace that has rules.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        List<Guid> workspaces;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var gate = scope.ServiceProvider.GetRequiredService<WriteGate>();
            var now = clock.GetUtcNow().UtcDateTime;
            using (await gate.EnterAsync(cancellationToken))
            {
                await db.PendingStatuses.Where(p => p.ReceivedAt < now - PendingStatusLifetime).ExecuteDeleteAsync(cancellationToken);
            }

            await DeleteProcessedWebhooksAsync(db, gate, now - ProcessedWebhookLifetime, cancellationToken);

            workspaces = await db.RetentionRules.IgnoreQueryFilters().Select(r => r.WorkspaceId).ToListAsync(cancellationToken);
        }

        foreach (var workspaceId in workspaces)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<WorkspaceContext>().Enter(workspaceId, null, Role.Owner, Actor.System);
            await scope.ServiceProvider.GetRequiredService<RetentionSweep>().RunAsync(dryRun: false, cancellationToken);
        }
    }

    /// <summary>
    /// Oldest first, in batches by key, so neither database scans the whole table nor holds its writers
    /// up for long: the first delivery received since <paramref name="stale"/> bounds the walk, and
    /// everything before it in arrival order is older.
    /// </summary>
    private static async Task DeleteProcessedWebhooksAsync(ParleyDb db, WriteGate gate, DateTime stale, CancellationToken cancellationToken)
    {
        var bound = await db.WebhookDeliveries.Where(d => d.ReceivedAt >= stale).OrderBy(d => d.Id).Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken) ?? long.MaxValue;
        var after = 0L;
        while (true)
        {
            var batch = await db.WebhookDeliveries
                .Where(d => d.Id > after && d.Id < bound && d.ProcessedAt != null)
                .OrderBy(d => d.Id).Select(d => d.Id).Take(DeleteBatch).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return;
            }

            using (await gate.EnterAsync(cancellationToken))
            {
                await db.WebhookDeliveries.Where(d => batch.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
            }

            after = batch[^1];
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A retention run failed; the next one tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
