using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Parley.Bench;

/// <summary>
/// Pieces of set-based SQL for filling Parley's tables straight in the database, the same on SQLite and
/// PostgreSQL: numbered rows (<c>i</c> from 1), ids derived from a number, a workspace's customer IDs.
/// </summary>
internal sealed class SqlSeed(DbConnection db)
{
    public bool Sqlite { get; } = db is SqliteConnection;

    /// <summary>The id (a UUID) of row <paramref name="n"/> (an SQL expression) of the kind <paramref name="kind"/> (0–15), so kinds never collide.</summary>
    public string Id(string n, int kind = 0) => Sqlite
        ? $"printf('00000000-0000-7000-8{kind:X}00-%012X', {n})"
        : $"('00000000-0000-7000-8{kind:X}00-' || lpad(to_hex({n}), 12, '0'))::uuid";

    public string Literal(string guid) => Sqlite ? $"'{guid.ToUpperInvariant()}'" : $"'{guid}'::uuid";

    /// <summary>Put before the INSERT: numbers the rows 1 … <paramref name="count"/> as <c>i</c> (SQLite).</summary>
    public string Series(long count) => Sqlite ? $"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) " : "";

    /// <summary>The FROM clause of the numbered rows.</summary>
    public string From(long count) => Sqlite ? "FROM s" : $"FROM generate_series(1, {count}) AS s(i)";

    /// <summary>A customer ID (C- and six characters) that differs for every i below 2^30 (a bijection: odd multiplier modulo 2^30).</summary>
    public string CustomerId(string i = "i") => "'C-'" + string.Concat(Enumerable.Range(0, 6).Select(d => Sqlite
        ? $" || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((({i} * 387420489 + 54321) % 1073741824) >> {25 - (5 * d)} & 31) + 1, 1)"
        : $" || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((({i}::bigint * 387420489 + 54321) % 1073741824) >> {25 - (5 * d)} & 31) + 1)::integer, 1)"));

    /// <summary>A time <paramref name="seconds"/> (an SQL expression) after 2026-01-01 00:00 UTC, as Parley stores times.</summary>
    public string At(string seconds) => Sqlite
        ? $"strftime('%Y-%m-%d %H:%M:%S', '2026-01-01 00:00:00', '+' || ({seconds}) || ' seconds')"
        : $"(timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => {seconds}))";

    /// <summary>
    /// The last statement of a bulk fill: the statistics a running installation keeps, and on PostgreSQL the
    /// visibility map its autovacuum keeps, without which index-only scans fetch every row from the table.
    /// </summary>
    public string Settle => Sqlite ? "PRAGMA optimize" : "VACUUM ANALYZE";

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 1800;
        await command.ExecuteNonQueryAsync();
    }
}
