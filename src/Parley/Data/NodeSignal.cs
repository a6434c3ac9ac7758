using Npgsql;
using Parley.Hosting;

namespace Parley.Data;

/// <summary>
/// Rings a <see cref="Bell"/> on every node when one node says so: on PostgreSQL a <c>NOTIFY</c> that
/// the sender puts in its transaction (delivered at commit) and a <c>LISTEN</c>ing connection per
/// listener. SQLite serves one node, whose bell is rung directly.
/// </summary>
public static class NodeSignal
{
    /// <summary>The statement that signals <paramref name="channel"/> when its transaction commits (PostgreSQL).</summary>
    public static string Notify(string channel) => $"NOTIFY {channel}";

    /// <summary>Rings <paramref name="bell"/> at every notification on <paramref name="channel"/> until cancelled.</summary>
    public static async Task ListenAsync(DatabaseSettings settings, string channel, Bell bell, CancellationToken cancellationToken)
    {
        if (!settings.IsPostgres)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken); // one node: nothing to hear
            return;
        }

        await using var connection = settings.DedicatedPostgresConnection($"Parley listener ({channel})");
        await connection.OpenAsync(cancellationToken);
        connection.Notification += (_, _) => bell.Ring();
        await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        // Anything committed before LISTEN took effect is found by the listener's first look at the table.
        bell.Ring();
        while (!cancellationToken.IsCancellationRequested)
        {
            await connection.WaitAsync(cancellationToken);
        }
    }
}
