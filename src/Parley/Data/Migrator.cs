using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Parley.Data;

/// <summary>
/// Applies the versioned SQL scripts under <c>Data/Migrations/{Sqlite,Postgres}</c> in order, each in
/// its own transaction together with its row in <c>schema_migrations</c>. Concurrent migrators
/// (several nodes starting at once) are serialised by an advisory lock on PostgreSQL and by
/// <c>BEGIN IMMEDIATE</c> on SQLite, and each re-checks inside its transaction, so a script never runs twice.
/// </summary>
public sealed partial class Migrator(DatabaseSettings settings, TimeProvider clock, ILogger<Migrator> logger)
{
    private const long AdvisoryLockKey = 0x5061726c6579; // "Parley"

    public sealed record Script(int Version, string Name, string Sql);

    public IReadOnlyList<Script> Scripts { get; } = LoadScripts(settings.IsPostgres ? "Postgres" : "Sqlite");

    /// <summary>Applies pending scripts up to <paramref name="targetVersion"/> (all when null); returns how many ran.</summary>
    public async Task<int> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await settings.OpenUnpooledAsync(create: true, cancellationToken);

        // The lock comes first: even CREATE TABLE IF NOT EXISTS races on PostgreSQL. It is a session
        // lock, released at the latest when this connection closes.
        if (settings.IsPostgres)
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        }
        else
        {
            await ExecuteAsync(connection, null, SqlitePragmas.WriteAheadLog, cancellationToken);
        }

        await ExecuteAsync(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer NOT NULL PRIMARY KEY,
                name text NOT NULL,
                applied_at text NOT NULL
            )
            """, cancellationToken);

        var applied = 0;
        foreach (var script in Scripts.Where(s => targetVersion is null || s.Version <= targetVersion))
        {
            if (await ApplyAsync(connection, script, cancellationToken))
            {
                applied++;
                LogApplied(logger, script.Version, script.Name);
            }
        }

        if (settings.IsPostgres)
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", cancellationToken);
        }

        return applied;
    }

    public async Task<IReadOnlyList<int>> AppliedVersionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await settings.OpenUnpooledAsync(create: false, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        var versions = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture));
        }

        return versions;
    }

    private async Task<bool> ApplyAsync(DbConnection connection, Script script, CancellationToken cancellationToken)
    {
        await using var transaction = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false) // BEGIN IMMEDIATE: take the write lock before re-checking
            : await connection.BeginTransactionAsync(cancellationToken);

        await using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = $"SELECT COUNT(*) FROM schema_migrations WHERE version = {script.Version}";
            if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0)
            {
                return false;
            }
        }

        await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);

        await using (var record = connection.CreateCommand())
        {
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)";
            AddParameter(record, "@version", script.Version);
            AddParameter(record, "@name", script.Name);
            AddParameter(record, "@at", clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static List<Script> LoadScripts(string provider)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"migrations/{provider}/";
        var scripts = new List<Script>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = Path.GetFileNameWithoutExtension(resource[prefix.Length..]);
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(fileName[..separator], CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            scripts.Add(new Script(version, fileName[(separator + 1)..], reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (scripts.Select(s => s.Version).Distinct().Count() != scripts.Count)
        {
            throw new InvalidOperationException($"Two {provider} migrations share a version number.");
        }

        return scripts;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
