using System.Data.Common;
using Npgsql;

namespace Parley.Data;

/// <summary>
/// Work that only one Parley node may do at a time (e.g. draining one WhatsApp number's outbox): on
/// PostgreSQL a session-level advisory lock, held by a connection of its own until the lease is
/// disposed or the node dies (PostgreSQL then releases it). SQLite serves one node, so there every
/// lease is granted.
/// </summary>
public static class NodeLock
{
    /// <summary>The lease, or null when another node holds it.</summary>
    public static async Task<IAsyncDisposable?> TryAcquireAsync(DatabaseSettings settings, string kind, Guid id, CancellationToken cancellationToken)
    {
        if (!settings.IsPostgres)
        {
            return new Lease(null);
        }

        var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", Key(kind, id));
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                return new Lease(connection);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>A 64-bit key from the kind and the id (FNV-1a), apart from the migrator's fixed key.</summary>
    private static long Key(string kind, Guid id)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(kind).Concat(id.ToByteArray()))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }

    private sealed class Lease(DbConnection? connection) : IAsyncDisposable
    {
        // Closing the session releases its advisory locks; a pooled connection would keep them, so unlock first.
        public async ValueTask DisposeAsync()
        {
            if (connection is null)
            {
                return;
            }

            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT pg_advisory_unlock_all()";
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
