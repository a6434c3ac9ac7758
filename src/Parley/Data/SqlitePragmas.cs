using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Parley.Data;

/// <summary>
/// Per-connection settings, run on every open (they cost no I/O). WAL, which lets readers run beside
/// the writer, is a property of the file and is set once by the migrator (<see cref="WriteAheadLog"/>).
/// busy_timeout makes a writer wait instead of failing while
/// another holds the lock; synchronous=FULL makes every commit durable before it returns (the intake
/// acknowledges webhooks only after a commit, so a power cut must not undo one); secure_delete overwrites
/// deleted content with zeros, so an erased person's text does not linger in free pages. The file is
/// read with read() calls, not through a memory map (mmap_size): in WAL mode a connection that begins to
/// read after another's commit unmaps the whole file and maps it again, and under a campaign's hundred
/// commits a second that cost more (page tables torn down, every page faulted in again) than the reads it
/// saved. temp_store=MEMORY keeps statement journals (the copy of each page a
/// statement inside a transaction changes, so that statement alone can be undone) and temporary tables
/// in memory: written to a temporary file they were nine in ten of Parley's writes during a campaign.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public const string WriteAheadLog = "PRAGMA journal_mode=WAL;";

    /// <summary>Commits that do not wait for the disk (<see cref="WriteTransaction"/>); only outside a transaction.</summary>
    public const string LazyCommits = "PRAGMA synchronous=NORMAL;";

    public const string DurableCommits = "PRAGMA synchronous=FULL;";

    private const string Pragmas = "PRAGMA busy_timeout=10000; " + DurableCommits + " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;";

    public static void Apply(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is SqliteConnection sqlite)
        {
            Apply(sqlite);
        }
    }

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionOpened(connection, eventData);
        return Task.CompletedTask;
    }
}
