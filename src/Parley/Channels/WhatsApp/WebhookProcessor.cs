using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Drains <c>webhook_deliveries</c> in arrival order. Every item of a batch is applied; items for the
/// same conversation (partition key) run in order, different conversations in parallel. A delivery
/// is marked processed only when all its items succeeded; a body that cannot be understood becomes
/// a dead letter at once, one that keeps failing after <see cref="MaxAttempts"/> tries too.
/// </summary>
public sealed partial class WebhookProcessor(IServiceScopeFactory scopes, WebhookBell bell, TimeProvider clock, ILogger<WebhookProcessor> logger) : BackgroundService
{
    public const int MaxAttempts = 5;
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var (count, failures) = await ProcessBatchAsync(stoppingToken);
                if (failures > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
                }
                else if (count == 0)
                {
                    await bell.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogBatchFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken);
            }
        }
    }

    /// <summary>Processes one batch; returns how many deliveries it looked at and how many failed.</summary>
    public async Task<(int Count, int Failures)> ProcessBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var deliveries = await db.WebhookDeliveries
            .Where(d => d.ProcessedAt == null && d.DeadAt == null)
            .OrderBy(d => d.Id)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (deliveries.Count == 0)
        {
            return (0, 0);
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

        var failed = new ConcurrentDictionary<long, string>();
        var partitions = work.GroupBy(w => w.Item.PartitionKey).ToList();
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (partition, ct) =>
        {
            string? blockedBy = null;
            foreach (var (delivery, item) in partition)
            {
                // After a failure the rest of this conversation waits for the retry, to keep its order.
                if (blockedBy is not null)
                {
                    failed.TryAdd(delivery.Id, blockedBy);
                    continue;
                }

                try
                {
                    await using var itemScope = scopes.CreateAsyncScope();
                    await itemScope.ServiceProvider.GetRequiredService<WebhookRecorder>().ApplyAsync(item, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    blockedBy = $"{e.GetType().Name}: {e.Message}";
                    failed.TryAdd(delivery.Id, blockedBy);
                    LogItemFailed(logger, e, delivery.Id);
                }
            }
        });

        foreach (var delivery in deliveries.Where(d => d.DeadAt is null))
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

        await db.SaveChangesAsync(CancellationToken.None);
        return (deliveries.Count, failed.Count);
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} set aside as a dead letter: {Reason}")]
    private static partial void LogDeadLetter(ILogger logger, long deliveryId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An item of webhook delivery {DeliveryId} failed; the delivery will be retried")]
    private static partial void LogItemFailed(ILogger logger, Exception exception, long deliveryId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Processing a batch of webhook deliveries failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception);
}
