using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Writes webhook deliveries durably with group commit: requests that arrive together share one
/// transaction (one fsync), and each request is answered only after the commit that holds it. The
/// table is the truth; <see cref="WebhookBell"/> only wakes the processor.
/// </summary>
public sealed partial class WebhookIntake(DatabaseSettings settings, WriteGate gate, TimeProvider clock, WebhookBell bell, ILogger<WebhookIntake> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>
    /// Above this many deliveries a second the intake counts as saturated: a burst, well beyond what one
    /// number's customers send in normal operation, when acknowledging comes before processing.
    /// </summary>
    private const int SaturatedRate = 2000;

    private static readonly TimeSpan RateWindow = TimeSpan.FromMilliseconds(100);

    private long windowStart = Stopwatch.GetTimestamp();
    private int windowCount;
    private volatile bool saturated;

    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(20_000) { SingleReader = true });

    private sealed record Pending(byte[] Body, TaskCompletionSource Stored);

    /// <summary>Whether the intake stored more than <see cref="SaturatedRate"/> deliveries a second in its last 100 ms.</summary>
    public bool IsSaturated => saturated && Stopwatch.GetElapsedTime(Interlocked.Read(ref windowStart)) < 2 * RateWindow;

    /// <summary>Returns once the body is committed; throws if it could not be stored.</summary>
    public async Task StoreAsync(byte[] body, CancellationToken cancellationToken)
    {
        var pending = new Pending(body, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteBatchAsync(batch);
                MeasureRate(batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The web server has already drained its requests; whatever is still queued is written below.
        }

        while (queue.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
        }

        if (batch.Count > 0)
        {
            await WriteBatchAsync(batch);
        }
    }

    private void MeasureRate(int stored)
    {
        windowCount += stored;
        var elapsed = Stopwatch.GetElapsedTime(windowStart);
        if (elapsed >= RateWindow)
        {
            saturated = windowCount / elapsed.TotalSeconds > SaturatedRate;
            Interlocked.Exchange(ref windowStart, Stopwatch.GetTimestamp());
            windowCount = 0;
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        try
        {
            // Not cancellable: a batch that started is committed or failed, never half-written.
            using var lease = await gate.EnterAsync(CancellationToken.None);
            await using var connection = await settings.OpenPooledAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            Parameter(command, "@at", clock.GetUtcNow().UtcDateTime);
            if (settings.IsPostgres)
            {
                // One round trip for the whole batch: on PostgreSQL the round trips, not the commit, cost.
                // The statements of one command run in one implicit transaction, committed at its end; the
                // node that processes webhooks may be another one and hears of the batch at that commit.
                command.CommandText = "INSERT INTO webhook_deliveries (received_at, body, attempts) SELECT @at, b.body, 0 FROM unnest(@bodies) WITH ORDINALITY AS b(body, n) ORDER BY b.n; "
                    + NodeSignal.Notify(WebhookProcessor.Channel);
                Parameter(command, "@bodies", batch.Select(p => p.Body).ToArray());
                await command.ExecuteNonQueryAsync(CancellationToken.None);
            }
            else
            {
                // SQLite has no round trips: one prepared statement, run per row.
                await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO webhook_deliveries (received_at, body, attempts) VALUES (@at, @body, 0)";
                var body = Parameter(command, "@body", Array.Empty<byte>());
                foreach (var pending in batch)
                {
                    body.Value = pending.Body;
                    await command.ExecuteNonQueryAsync(CancellationToken.None);
                }

                await transaction.CommitAsync(CancellationToken.None);
            }

            foreach (var pending in batch)
            {
                pending.Stored.TrySetResult();
            }

            bell.Ring();
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or IOException)
        {
            LogWriteFailed(logger, e, batch.Count);
            foreach (var pending in batch)
            {
                pending.Stored.TrySetException(e);
            }
        }
    }

    private static DbParameter Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Count} webhook deliveries; they were answered 503 and Meta will retry")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}

/// <summary>Wakes the webhook processor.</summary>
public sealed class WebhookBell : Bell;
