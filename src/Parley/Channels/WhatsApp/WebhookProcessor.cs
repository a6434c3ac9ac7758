using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Parley.Data;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Drains <c>webhook_deliveries</c> in arrival order (on SQLite, then the <see cref="IntakeFile"/>). Every
/// item of a batch is applied; items for the same conversation (partition key) run in order and commit
/// together, different conversations in parallel. A delivery is marked processed only when all its items
/// succeeded; a body that cannot be understood becomes a dead letter at once, one that keeps failing after
/// <see cref="MaxAttempts"/> tries too. With several nodes on PostgreSQL one of them processes at a time
/// (<see cref="NodeLock"/>).
/// </summary>
public sealed partial class WebhookProcessor(
    IServiceScopeFactory scopes, DatabaseSettings settings, WriteGate gate, WebhookIntake intake, IntakeFile intakeFile, WebhookBell bell, MediaBell mediaBell, OutboxBell outboxBell, Teams.AssignmentBell assignmentBell,
    TimeProvider clock, ILogger<WebhookProcessor> logger) : BackgroundService
{
    public const int MaxAttempts = 5;

    /// <summary>The PostgreSQL notification channel of stored deliveries (<see cref="NodeSignal"/>).</summary>
    public const string Channel = "parley_webhooks";

    /// <summary>Deliveries per batch: on PostgreSQL larger, since a batch costs round trips more than work.</summary>
    private int BatchSize => settings.IsPostgres ? 256 : 64;

    /// <summary>
    /// While the intake is saturated, a batch is this small: on SQLite it is one write transaction that
    /// the intake waits for at the <see cref="WriteGate"/>, and on both it takes CPU the intake needs.
    /// </summary>
    private const int BatchSizeUnderLoad = 16;

    /// <summary>How long the processor stands back for a saturated intake before each small batch.</summary>
    private static readonly TimeSpan Deferral = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// On SQLite, after a batch of statuses only that took everything waiting, the processor lets the next
    /// deliveries gather this long: each batch is a write transaction with a fixed cost that every other
    /// writer waits for. Customers' messages are not held back: they are what the inbox waits for.
    /// </summary>
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// On SQLite, a batch of progress statuses alone commits without waiting for the disk; after this many
    /// such batches in a row one does wait, so that the intake file may delete what they moved.
    /// </summary>
    private const int LazyBatches = 8;

    /// <summary>The highest delivery id ever moved into <c>webhook_deliveries</c> (SQLite): deliveries after it wait in the intake file.</summary>
    private long inMain = -1;

    private int lazyInARow;

    /// <summary>
    /// Set until a batch completes (at start, and after a failure): deliveries read from the intake file
    /// may then be in <c>webhook_deliveries</c> already, written by a transaction whose batch failed later.
    /// </summary>
    private bool verifyMoves = true;

    /// <summary>How often a node that does not process webhooks looks whether the one that does is gone.</summary>
    private static readonly TimeSpan Standby = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Every node takes webhooks in; one at a time processes them (a PostgreSQL session advisory
                // lock), so deliveries are applied once and in arrival order. When that node goes, its
                // session ends, the lock is free and another node takes over within Standby.
                await using var lease = await NodeLock.TryAcquireAsync(settings, "webhooks", Guid.Empty, stoppingToken);
                if (lease is null)
                {
                    await Task.Delay(Standby, stoppingToken);
                    continue;
                }

                // Webhooks taken in by other nodes ring this node's bell too.
                using var draining = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var listening = NodeSignal.ListenAsync(settings, Channel, bell, draining.Token);
                var drain = DrainAsync(draining.Token);
                try
                {
                    // Either ends only with an error or the shutdown: the error is thrown here.
                    await Task.WhenAny(drain, listening).Unwrap();
                }
                finally
                {
                    await draining.CancelAsync();
                    await Task.WhenAll(drain, listening).ContinueWith(_ => { }, TaskScheduler.Default); // both stopped before the lease goes
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Also a lost database connection: the lease may be gone with it, so it is taken again.
                LogBatchFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken);
            }
        }
    }

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        var gather = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Intake first: acknowledging Meta is what must never fall behind; during a burst the
            // processor stands back, and the stored backlog is processed when the burst is over. Otherwise,
            // after a batch of statuses that took everything waiting, the next deliveries gather (SQLite).
            // Real time, not the clock: this is scheduling.
            var saturated = intake.IsSaturated;
            if (saturated || gather)
            {
                await Task.Delay(saturated ? Deferral : Gathering, stoppingToken);
            }

            var (count, failures, inbound) = await ProcessBatchAsync(stoppingToken);
            gather = !settings.IsPostgres && !inbound && count > 0 && count < BatchSize && failures == 0;
            if (failures > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
            else if (count == 0)
            {
                await bell.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>Processes one batch; returns how many deliveries it looked at, how many failed, and whether customers' messages were among them.</summary>
    private async Task<(int Count, int Failures, bool Inbound)> ProcessBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var size = intake.IsSaturated ? BatchSizeUnderLoad : BatchSize;
        var deliveries = await db.WebhookDeliveries
            .Where(d => d.ProcessedAt == null && d.DeadAt == null)
            .OrderBy(d => d.Id)
            .Take(size)
            .ToListAsync(cancellationToken);

        // On SQLite the rest of the batch comes from the intake file, after those being retried: its ids
        // continue the main file's. These deliveries are written to the main file by the transaction that
        // applies them, or by the save at the end.
        List<WebhookDelivery> arrived = [];
        var read = inMain; // the highest id read from the intake file
        if (intakeFile.IsUsed && deliveries.Count < size)
        {
            if (inMain < 0)
            {
                inMain = read = await db.Database.SqlQueryRaw<long>(IntakeFile.MovedUpToSql).SingleAsync(cancellationToken);
            }

            arrived = await intakeFile.ReadAsync(inMain, size - deliveries.Count, cancellationToken);
            if (arrived.Count > 0)
            {
                read = arrived[^1].Id;
            }

            if (verifyMoves && arrived.Count > 0)
            {
                var ids = arrived.Select(d => d.Id).ToList();
                var present = (await db.WebhookDeliveries.Where(d => ids.Contains(d.Id)).Select(d => d.Id).ToListAsync(cancellationToken)).ToHashSet();
                arrived.RemoveAll(d => present.Contains(d.Id));
            }

            verifyMoves = true; // until this batch completes
            db.WebhookDeliveries.AddRange(arrived);
            deliveries.AddRange(arrived);
        }

        if (deliveries.Count == 0)
        {
            Advance(read);
            return (0, 0, false);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var work = new List<(WebhookDelivery Delivery, WebhookItem Item)>();
        foreach (var delivery in deliveries)
        {
            try
            {
                work.AddRange(WebhookPayload.Parse(delivery.Body).Select(item => (delivery, item)));
            }
            catch (FormatException e)
            {
                delivery.DeadAt = now;
                delivery.LastError = Truncate($"Not understood: {e.Message}");
                LogDeadLetter(logger, delivery.Id, e.Message);
            }
        }

        // Items commit together, not one fsync each: the whole batch is one transaction (its reads are a
        // few set-based queries), which also marks the deliveries processed. Only if that fails is it
        // retried partition by partition, to isolate the culprit — side by side on PostgreSQL, one after
        // the other on SQLite's single writer — and the deliveries are marked by the commit below.
        var failed = new ConcurrentDictionary<long, string>();
        var partitions = work.GroupBy(w => w.Item.PartitionKey).Select(p => p.ToList()).ToList();
        var understood = deliveries.Where(d => d.DeadAt is null).ToList();
        var durable = true;
        if (partitions.Count > 0)
        {
            // A batch of progress statuses alone is applied again from its stored webhooks if a power cut
            // undoes it, so its commit need not wait for the disk; anything that creates (a customer's
            // message, a contact) or fails a message does.
            durable = !partitions.All(p => p.All(w => w.Item is StatusItem { IsProgress: true })) || lazyInARow >= LazyBatches;
            var fresh = understood.Where(d => db.Entry(d).State == EntityState.Added).ToList(); // from the intake file
            var error = await TryApplyAsync(partitions, [.. understood.Except(fresh).Select(d => d.Id)], fresh, now, durable, cancellationToken);
            if (error is null)
            {
                foreach (var delivery in understood)
                {
                    db.Entry(delivery).State = EntityState.Detached; // marked processed by that transaction
                }

                understood.Clear();
                partitions.Clear();
            }
            else if (partitions.Count == 1)
            {
                // Retrying it alone would be the same transaction again.
                foreach (var (delivery, _) in partitions[0])
                {
                    failed.TryAdd(delivery.Id, error);
                }

                partitions.Clear();
            }
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.IsPostgres ? 4 : 1, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(partitions, parallel, async (partition, ct) =>
        {
            if (await TryApplyAsync([partition], [], [], now, durable: true, ct) is { } error)
            {
                // Nothing of this conversation was kept; all of it is retried, in order, with its deliveries.
                foreach (var (delivery, _) in partition)
                {
                    failed.TryAdd(delivery.Id, error);
                }
            }
        });

        foreach (var delivery in understood)
        {
            if (failed.TryGetValue(delivery.Id, out var error))
            {
                delivery.Attempts++;
                delivery.LastError = Truncate(error);
                if (delivery.Attempts >= MaxAttempts)
                {
                    delivery.DeadAt = now;
                    LogDeadLetter(logger, delivery.Id, error);
                }
            }
            else
            {
                delivery.ProcessedAt = now;
            }
        }

        if (deliveries.Any(d => d.DeadAt == now))
        {
            // Rare: attribute each new dead letter to the workspace its body names, for that workspace's admins.
            var owners = await db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.RemovedAt == null)
                .ToDictionaryAsync(n => n.PhoneNumberId, n => n.WorkspaceId, cancellationToken);
            foreach (var delivery in deliveries.Where(d => d.DeadAt == now))
            {
                delivery.WorkspaceId = DeadLetters.Owner(delivery.Body, owners);
            }
        }

        if (await db.SaveChangesAsync(CancellationToken.None) > 0)
        {
            durable = true;
        }

        Advance(read);
        lazyInARow = durable ? 0 : lazyInARow + 1;
        if (intakeFile.IsUsed)
        {
            intake.Applied(inMain, durable);
        }

        return (deliveries.Count, failed.Count, work.Any(w => w.Item is InboundMessageItem));
    }

    /// <summary>The intake file's deliveries up to <paramref name="read"/> are in the main file: the batch completed.</summary>
    private void Advance(long read)
    {
        inMain = Math.Max(inMain, read);
        verifyMoves = false;
    }

    /// <summary>
    /// Applies the partitions in order in one transaction that also records deliveries as processed: the
    /// <paramref name="stored"/> ones, and the <paramref name="fresh"/> ones from the intake file, which it
    /// writes; returns the error if it was rolled back.
    /// </summary>
    private async Task<string?> TryApplyAsync(
        List<List<(WebhookDelivery Delivery, WebhookItem Item)>> partitions, List<long> stored, List<WebhookDelivery> fresh, DateTime now, bool durable,
        CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            using var lease = await gate.EnterAsync(cancellationToken);
            await using var transaction = await WriteTransaction.BeginAsync(db.Database, durable, cancellationToken);

            // Route every item to its number; a partition is one number's conversation, so it stays whole and in order.
            var numbers = await db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.RemovedAt == null).OrderBy(n => n.CreatedAt).ToListAsync(cancellationToken);
            var byId = numbers.ToDictionary(n => n.PhoneNumberId);
            var routed = partitions.SelectMany(p => p).Select(w => (Number: w.Item.PhoneNumberId is { } id ? byId.GetValueOrDefault(id) : numbers.FirstOrDefault(n => n.WabaId == w.Item.WabaId), w.Item));
            var replies = false;
            foreach (var workspaceItems in routed.GroupBy(r => r.Number?.WorkspaceId))
            {
                // A workspace context holds one workspace, so each workspace gets a recorder of its own.
                await using var workspaceScope = scopes.CreateAsyncScope();
                var recorder = workspaceScope.ServiceProvider.GetRequiredService<WebhookRecorder>();
                var workspaceDb = workspaceScope.ServiceProvider.GetRequiredService<ParleyDb>();
                workspaceDb.Database.SetDbConnection(db.Database.GetDbConnection());
                await workspaceDb.Database.UseTransactionAsync(transaction.Transaction.GetDbTransaction(), cancellationToken);
                await recorder.ApplyAsync([.. workspaceItems], cancellationToken);
                replies |= workspaceScope.ServiceProvider.GetRequiredService<Parley.Consent.ConsentSignals>().QueuedReplies;
            }

            if (stored.Count > 0)
            {
                await db.WebhookDeliveries.Where(d => stored.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.ProcessedAt, now), cancellationToken);
            }

            if (fresh.Count > 0)
            {
                db.WebhookDeliveries.AddRange(fresh.Select(d => new WebhookDelivery { Id = d.Id, ReceivedAt = d.ReceivedAt, Body = d.Body, ProcessedAt = now }));
                await db.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            if (replies)
            {
                outboxBell.Ring(); // answers to keywords and consent confirmations are queued
            }

            // Only customers' messages bring media and new or reopened conversations; statuses, the bulk of
            // a busy number's webhooks, wake neither the downloader nor the assigner.
            if (partitions.Any(p => p.Any(w => w.Item is InboundMessageItem)))
            {
                mediaBell.Ring(); // new media rows are visible only now
                assignmentBell.Ring(); // new and reopened conversations may wait for an agent
            }

            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogItemFailed(logger, e, partitions[0][0].Delivery.Id);
            var cause = e.GetBaseException(); // the database's own words, not "see the inner exception"
            return $"{cause.GetType().Name}: {cause.Message}";
        }
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} set aside as a dead letter: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, long deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying the items of webhook delivery {DeliveryId} and its conversation failed; they will be retried")]
    private static partial void LogItemFailed(ILogger logger, Exception exception, long deliveryId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing a batch of webhook deliveries failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception);
}
