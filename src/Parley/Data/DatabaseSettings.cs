using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Hosting;

namespace Parley.Data;

/// <summary>The resolved database choice: which provider, which connection string.</summary>
public sealed record DatabaseSettings(bool IsPostgres, string ConnectionString, string? SqliteFile)
{
    public static DatabaseSettings From(IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (database.IsPostgres)
        {
            var connectionString = configuration.GetConnectionString("Default");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new StartupException("Database:Provider is Postgres but ConnectionStrings:Default is empty. Set it to a PostgreSQL connection string such as Host=localhost;Database=parley;Username=parley;Password=…");
            }

            return new DatabaseSettings(true, WithAutoPrepare(connectionString), null);
        }

        var parley = configuration.GetSection(ParleyOptions.Section).Get<ParleyOptions>() ?? new ParleyOptions();
        var file = Path.GetFullPath(Path.Combine(parley.DataDirectory, "parley.db"));

        // ReadWrite, not ReadWriteCreate: only the migrator creates the file, so a database that vanished
        // at run time is an error rather than a silently empty new file.
        var builder = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = true };
        return new DatabaseSettings(false, builder.ToString(), file);
    }

    /// <summary>
    /// Parley runs the same few statements all day; prepared on each connection after their fifth use,
    /// PostgreSQL skips parsing and planning them. An operator's own Max Auto Prepare (0 to switch it
    /// off) is kept.
    /// </summary>
    private static string WithAutoPrepare(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var keys = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!keys.ContainsKey("Max Auto Prepare") && !keys.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 256;
        }

        return builder.ToString();
    }

    /// <summary>A pooled connection with Parley's pragmas, for hot paths that bypass EF Core.</summary>
    public Task<DbConnection> OpenPooledAsync(CancellationToken cancellationToken) =>
        OpenAsync(IsPostgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString), cancellationToken);

    /// <summary>
    /// A PostgreSQL connection that one service keeps open for good, outside the pool: named for
    /// <c>pg_stat_activity</c>, with keepalives every 30 s so that an idle one is not dropped by a firewall
    /// or an idle timeout, or is found dropped before it is needed.
    /// </summary>
    public NpgsqlConnection DedicatedPostgresConnection(string applicationName) =>
        new(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, ApplicationName = applicationName, KeepAlive = 30 }.ToString());

    /// <summary>A fresh, unpooled connection (migrations and health checks must see the real database).</summary>
    public async Task<DbConnection> OpenUnpooledAsync(bool create, CancellationToken cancellationToken)
    {
        DbConnection connection;
        if (IsPostgres)
        {
            connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        }
        else
        {
            if (create)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(SqliteFile)!);
            }

            var builder = new SqliteConnectionStringBuilder(ConnectionString)
            {
                Pooling = false,
                Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            };
            connection = new SqliteConnection(builder.ToString());
        }

        return await OpenAsync(connection, cancellationToken);
    }

    private static async Task<DbConnection> OpenAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (connection is SqliteConnection sqlite)
            {
                SqlitePragmas.Apply(sqlite);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
