using Npgsql;

namespace Parley.Tests.Infrastructure;

/// <summary>
/// A database of its own for one test application: a fresh SQLite data directory, or — when
/// PARLEY_TEST_POSTGRES names a server (the test script starts one) — a fresh PostgreSQL database.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public static readonly string? PostgresServer = System.Environment.GetEnvironmentVariable("PARLEY_TEST_POSTGRES") is { Length: > 0 } server ? server : null;

    public static bool IsPostgres => PostgresServer is not null;

    private TestDatabase(string dataDirectory, string? postgresDatabase)
    {
        DataDirectory = dataDirectory;
        PostgresDatabase = postgresDatabase;
    }

    public string DataDirectory { get; }

    public string? PostgresDatabase { get; }

    public string? PostgresConnectionString => PostgresDatabase is null
        ? null
        : new NpgsqlConnectionStringBuilder(PostgresServer) { Database = PostgresDatabase }.ToString();

    public string SqliteFile => Path.Combine(DataDirectory, "parley.db");

    /// <summary>Configuration keys that point Parley at this database.</summary>
    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?> { ["Parley:DataDirectory"] = DataDirectory };
        if (PostgresDatabase is not null)
        {
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Default"] = PostgresConnectionString;
        }

        return settings;
    }

    /// <summary>The same settings as environment variables, for a Parley process.</summary>
    public Dictionary<string, string?> EnvironmentVariables() =>
        Settings().ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);

    public static async Task<TestDatabase> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("parley-test-").FullName;
        if (PostgresServer is null)
        {
            return new TestDatabase(directory, null);
        }

        var name = $"parley_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(PostgresServer);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new TestDatabase(directory, name);
    }

    /// <summary>Makes the database disappear under a running Parley (for health checks).</summary>
    public async Task DropAsync()
    {
        if (PostgresDatabase is null)
        {
            foreach (var file in Directory.GetFiles(DataDirectory, "parley.db*"))
            {
                File.Delete(file);
            }

            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresServer);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {PostgresDatabase} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (PostgresDatabase is not null)
        {
            await DropAsync();
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a finishing host; the temp folder is cleaned by the OS.
        }
    }
}
