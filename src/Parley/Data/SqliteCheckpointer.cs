using System.Data.Common;

namespace Parley.Data;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file every <see cref="Interval"/>. The copying
/// happens beside the writers (a passive checkpoint takes no write lock); left to the writers, the commit
/// that crossed the log's threshold copied the whole log while every other writer waited at the
/// <see cref="WriteGate"/>. But the log starts over from its beginning only when a writer finds it copied
/// completely, which never happens while writers keep appending: so once it holds more than
/// <see cref="Restart"/> pages, the few written since are copied in a turn at the gate, and the next
/// writer starts the log over instead of letting the file grow.
/// </summary>
public sealed partial class SqliteCheckpointer(DatabaseSettings settings, WriteGate gate, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>SQLite's own threshold for checkpointing (4 MB of 4 KB pages).</summary>
    private const int Restart = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.IsPostgres)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, stoppingToken); // real time, not the clock: this is housekeeping
                await using var connection = await settings.OpenPooledAsync(stoppingToken);
                if (await CheckpointAsync(connection, stoppingToken) >= Restart)
                {
                    using (await gate.EnterAsync(stoppingToken))
                    {
                        await CheckpointAsync(connection, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogCheckpointFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    /// <summary>A passive checkpoint; answers how many pages the log holds.</summary>
    private static async Task<long> CheckpointAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(1) : 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpointing the SQLite write-ahead log failed; trying again")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
