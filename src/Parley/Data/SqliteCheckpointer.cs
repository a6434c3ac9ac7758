namespace Parley.Data;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file every <see cref="Interval"/>, beside the
/// writers (a passive checkpoint takes no write lock). Left to the writers, the commit that crossed the
/// log's threshold copied the whole log while everyone else waited at the <see cref="WriteGate"/>.
/// </summary>
public sealed partial class SqliteCheckpointer(DatabaseSettings settings, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

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
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                await command.ExecuteNonQueryAsync(stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpointing the SQLite write-ahead log failed; trying again")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
