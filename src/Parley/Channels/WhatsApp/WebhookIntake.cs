using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Writes webhook deliveries durably with group commit: requests that arrive together share one
/// transaction (one fsync), and each request is answered only after the commit that holds it. On
/// PostgreSQL they go to <c>webhook_deliveries</c>; on SQLite to the <see cref="IntakeFile"/>, which
/// this service alone writes (and empties of what the processor moved). What is stored is the truth;
/// <see cref="WebhookBell"/> only wakes the processor.
/// </summary>
public sealed partial class WebhookIntake(DatabaseSettings settings, IntakeFile file, TimeProvider clock, WebhookBell bell, ILogger<WebhookIntake> logger) : BackgroundService
{
    private const int MaxBatch = 512;

    /// <summary>How the intake's own connection to PostgreSQL is named in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "Parley webhook intake";

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

    /// <summary>A request to store <see cref="Body"/>; or, without one, to delete what was moved (<see cref="Truncate"/>: and empty the log).</summary>
    private sealed record Pending(byte[]? Body, TaskCompletionSource Stored, bool Truncate = false);

    /// <summary>Queued when deliveries were moved, so that an idle intake deletes them too.</summary>
    private static readonly Pending Prune = new(null, new TaskCompletionSource());

    private NpgsqlConnection? postgres;
    private NpgsqlBatch? store;
    private SqliteConnection? intakeFile;
    private SqliteCommand? insert;
    private SqliteCommand? delete;
    private long nextId;
    private long pruned;

    /// <summary>Deliveries up to this id are in <c>webhook_deliveries</c>, the last ones perhaps by a commit that did not wait for the disk.</summary>
    private long applied;

    /// <summary>Deliveries up to this id are durably in <c>webhook_deliveries</c>: they leave the intake file with its next write.</summary>
    private long moved;

    /// <summary>Whether the intake stored more than <see cref="SaturatedRate"/> deliveries a second in its last 100 ms.</summary>
    public bool IsSaturated => saturated && Stopwatch.GetElapsedTime(Interlocked.Read(ref windowStart)) < 2 * RateWindow;

    /// <summary>Returns once the body is committed; throws if it could not be stored.</summary>
    public async Task StoreAsync(byte[] body, CancellationToken cancellationToken)
    {
        var pending = new Pending(body, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Stored.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Called by the processor once deliveries up to <paramref name="id"/> are in the main file (SQLite);
    /// after a <paramref name="durable"/> commit every one applied so far is durably there (the main
    /// file's log is recovered in order), and the intake deletes them from its own with its next write.
    /// </summary>
    public void Applied(long id, bool durable)
    {
        if (id > Interlocked.Read(ref applied))
        {
            Interlocked.Exchange(ref applied, id);
        }

        if (durable)
        {
            MoveUpTo(Interlocked.Read(ref applied));
        }
    }

    /// <summary>
    /// Deletes from the intake file every delivery durably moved into the main file and empties its log, so
    /// that no erased person's bytes are left there (SQLite; deliveries not yet processed stay). Right after
    /// a durable commit of the main file, <paramref name="afterDurableCommit"/> counts every applied
    /// delivery as moved.
    /// </summary>
    public async Task PurgeAsync(bool afterDurableCommit, CancellationToken cancellationToken)
    {
        if (file.IsUsed)
        {
            if (afterDurableCommit)
            {
                MoveUpTo(Interlocked.Read(ref applied));
            }

            var purge = new Pending(null, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Truncate: true);
            await queue.Writer.WriteAsync(purge, cancellationToken);
            await purge.Stored.Task.WaitAsync(cancellationToken);
        }
    }

    private void MoveUpTo(long id)
    {
        var before = Interlocked.Read(ref moved);
        while (id > before)
        {
            var seen = Interlocked.CompareExchange(ref moved, id, before);
            if (seen == before)
            {
                queue.Writer.TryWrite(Prune); // so that an idle intake deletes them too; a full queue is written soon anyway
                return;
            }

            before = seen;
        }
    }

    public override void Dispose()
    {
        insert?.Dispose();
        delete?.Dispose();
        intakeFile?.Dispose();
        store?.Dispose();
        postgres?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        if (file.IsUsed)
        {
            await OpenIntakeFileAsync(stoppingToken);
        }

        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteBatchAsync(batch);
                MeasureRate(batch.Count(p => p.Body is not null));
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

    /// <summary>
    /// Opens the intake file for good and continues its ids after the highest one either file holds; what
    /// the main file already holds is deleted with the first write.
    /// </summary>
    private async Task OpenIntakeFileAsync(CancellationToken cancellationToken)
    {
        long inMain;
        await using (var main = await settings.OpenPooledAsync(cancellationToken))
        await using (var max = main.CreateCommand())
        {
            max.CommandText = IntakeFile.MovedUpToSql;
            inMain = Convert.ToInt64(await max.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        intakeFile = await file.OpenAsync(pooled: false, cancellationToken);
        await using (var max = intakeFile.CreateCommand())
        {
            max.CommandText = "SELECT coalesce(max(id), 0) FROM deliveries";
            nextId = Math.Max(inMain, (long)(await max.ExecuteScalarAsync(cancellationToken))!) + 1;
        }

        Applied(inMain, durable: true);
        insert = intakeFile.CreateCommand();
        insert.CommandText = "INSERT INTO deliveries (id, received_at, body) VALUES ($id, $at, $body)";
        insert.Parameters.Add("$id", SqliteType.Integer);
        insert.Parameters.Add("$at", SqliteType.Integer);
        insert.Parameters.Add("$body", SqliteType.Blob);
        delete = intakeFile.CreateCommand();
        delete.CommandText = "DELETE FROM deliveries WHERE id <= $moved";
        delete.Parameters.Add("$moved", SqliteType.Integer);
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        try
        {
            // Not cancellable: a batch that started is committed or failed, never half-written.
            if (file.IsUsed)
            {
                await WriteIntakeFileAsync(batch);
            }
            else
            {
                await WritePostgresAsync(batch);
            }

            foreach (var pending in batch.Where(p => !p.Truncate))
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

            return;
        }

        foreach (var purge in batch.Where(p => p.Truncate))
        {
            // After the deliveries are answered: a log that cannot be emptied now fails the purge, not them.
            try
            {
                await using var checkpoint = intakeFile!.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)"; // the log still holds the deleted bodies
                await checkpoint.ExecuteNonQueryAsync(CancellationToken.None);
                purge.Stored.TrySetResult();
            }
            catch (SqliteException e)
            {
                purge.Stored.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// One round trip for the whole batch, on a connection of its own with the statement prepared: on
    /// PostgreSQL the round trips, not the commit, cost. The statements of a batch run in one implicit
    /// transaction, committed at its end; the node that processes webhooks may be another one and hears
    /// of the deliveries at that commit. A connection that failed is replaced with the next batch.
    /// </summary>
    private async Task WritePostgresAsync(List<Pending> batch)
    {
        try
        {
            if (store is null)
            {
                await PrepareStoreAsync();
            }

            store!.BatchCommands[0].Parameters[0].Value = clock.GetUtcNow().UtcDateTime;
            store.BatchCommands[0].Parameters[1].Value = batch.Select(p => p.Body!).ToArray();
            await store.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch
        {
            await ClosePostgresAsync();
            throw;
        }
    }

    private async Task PrepareStoreAsync()
    {
        postgres = settings.DedicatedPostgresConnection(ApplicationName);
        await postgres.OpenAsync(CancellationToken.None);
        var rows = new NpgsqlBatchCommand("INSERT INTO webhook_deliveries (received_at, body, attempts) SELECT $1, b.body, 0 FROM unnest($2) WITH ORDINALITY AS b(body, n) ORDER BY b.n")
        {
            Parameters =
            {
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            },
        };
        store = new NpgsqlBatch(postgres) { BatchCommands = { rows, new NpgsqlBatchCommand(NodeSignal.Notify(WebhookProcessor.Channel)) } };
        await store.PrepareAsync(CancellationToken.None);
    }

    private async Task ClosePostgresAsync()
    {
        if (store is not null)
        {
            await store.DisposeAsync();
            store = null;
        }

        if (postgres is not null)
        {
            await postgres.DisposeAsync();
            postgres = null;
        }
    }

    /// <summary>SQLite has no round trips: one prepared statement, run per row, in one transaction that also deletes what was moved.</summary>
    private async Task WriteIntakeFileAsync(List<Pending> batch)
    {
        var firstId = nextId;
        var moved = Interlocked.Read(ref this.moved);
        try
        {
            await using var transaction = (SqliteTransaction)await intakeFile!.BeginTransactionAsync(CancellationToken.None);
            if (moved > pruned)
            {
                delete!.Transaction = transaction;
                delete.Parameters[0].Value = moved;
                await delete.ExecuteNonQueryAsync(CancellationToken.None);
            }

            insert!.Transaction = transaction;
            insert.Parameters[1].Value = clock.GetUtcNow().UtcTicks;
            foreach (var pending in batch.Where(p => p.Body is not null))
            {
                insert.Parameters[0].Value = nextId++;
                insert.Parameters[2].Value = pending.Body;
                await insert.ExecuteNonQueryAsync(CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
            pruned = Math.Max(pruned, moved);
        }
        catch
        {
            nextId = firstId;
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store {Count} webhook deliveries; they were answered 503 and Meta will retry")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}

/// <summary>Wakes the webhook processor.</summary>
public sealed class WebhookBell : Bell;
