using Microsoft.Data.Sqlite;
using Parley.Data;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// On SQLite, webhook deliveries are first written to a file of their own, <c>parley-intake.db</c> beside
/// <c>parley.db</c>, whose only writer is the <see cref="WebhookIntake"/>: SQLite has one writer per file,
/// and in the main file acknowledging Meta waited behind the processor's transactions (tens of
/// milliseconds at 1,000 deliveries a second). The <see cref="WebhookProcessor"/> moves deliveries into
/// <c>webhook_deliveries</c> in the transaction that applies them, so each is applied exactly once; the
/// intake deletes what was moved once a durable commit of the main file holds it
/// (<see cref="WebhookIntake.Applied"/>). On PostgreSQL, whose writers do not wait for each other, the intake writes
/// to <c>webhook_deliveries</c> directly and this file does not exist.
/// </summary>
public sealed class IntakeFile(DatabaseSettings settings)
{
    private readonly Lazy<Task> created = new(() => CreateAsync(settings));

    /// <summary>Whether deliveries pass through the intake file (SQLite).</summary>
    public bool IsUsed => !settings.IsPostgres;

    /// <summary>
    /// The highest id ever moved into <c>webhook_deliveries</c>, after which the intake file's unread
    /// deliveries begin. Not the highest id the table holds: erasure and retention delete rows from it, and
    /// a delivery still in the intake file (a crash before the intake deleted what was moved) would then be
    /// read and applied again, an erased person's message among them. The table's ids are
    /// <c>AUTOINCREMENT</c>, so SQLite keeps the highest one ever inserted in <c>sqlite_sequence</c>, in the
    /// transaction that inserts it. A migration that rebuilds the table must carry that number over.
    /// </summary>
    public const string MovedUpToSql = "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'), 0) AS \"Value\"";

    public static string PathOf(DatabaseSettings settings) => Path.Combine(Path.GetDirectoryName(settings.SqliteFile)!, "parley-intake.db");

    /// <summary>Opens a connection to the intake file (created with its table on first use).</summary>
    public async Task<SqliteConnection> OpenAsync(bool pooled, CancellationToken cancellationToken)
    {
        await created.Value.WaitAsync(cancellationToken);
        var connection = new SqliteConnection(ConnectionString(settings, pooled, SqliteOpenMode.ReadWrite));
        await connection.OpenAsync(cancellationToken);
        SqlitePragmas.Apply(connection);
        return connection;
    }

    /// <summary>The deliveries after <paramref name="after"/> in arrival order, at most <paramref name="limit"/>.</summary>
    public async Task<List<WebhookDelivery>> ReadAsync(long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(pooled: true, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, received_at, body FROM deliveries WHERE id > $after ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$limit", limit);
        var deliveries = new List<WebhookDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new WebhookDelivery { Id = reader.GetInt64(0), ReceivedAt = new DateTime(reader.GetInt64(1), DateTimeKind.Utc), Body = (byte[])reader.GetValue(2) });
        }

        return deliveries;
    }

    /// <summary>How many deliveries wait in the intake file after <paramref name="after"/>.</summary>
    public async Task<long> CountAfterAsync(long after, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(pooled: true, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM deliveries WHERE id > $after";
        command.Parameters.AddWithValue("$after", after);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string ConnectionString(DatabaseSettings settings, bool pooled, SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder { DataSource = PathOf(settings), Mode = mode, Pooling = pooled }.ToString();

    private static async Task CreateAsync(DatabaseSettings settings)
    {
        await using var connection = new SqliteConnection(ConnectionString(settings, pooled: false, SqliteOpenMode.ReadWriteCreate));
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = SqlitePragmas.WriteAheadLog + " CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, body BLOB NOT NULL);";
        await command.ExecuteNonQueryAsync();
    }
}
