using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Parley.Data;

namespace Parley.Contacts;

/// <summary>
/// INSERTs of many rows inside the context's current transaction (multi-row statements on PostgreSQL, one prepared statement per row on SQLite), for the import's new rows: EF's
/// change tracking costs more than the rows themselves at 100,000 contacts. Values are written the way
/// EF writes them on each provider (on SQLite: GUIDs as upper-case text, times as
/// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, dates as <c>yyyy-MM-dd</c>, booleans as 0/1).
/// </summary>
internal static class BulkInsert
{
    /// <summary>PostgreSQL takes up to 65,535 parameters a statement; fewer, larger statements are faster there.</summary>
    private const int MaxParameters = 30_000;

    public static async Task RunAsync(ParleyDb db, string table, string[] columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sqlite = db.Database.IsSqlite();
        if (sqlite)
        {
            // SQLite runs in process: one prepared single-row statement, executed per row, beats building large ones.
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, c) => "@p" + c.ToString(CultureInfo.InvariantCulture)))})";
            var parameters = columns.Select((_, c) =>
            {
                var parameter = insert.CreateParameter();
                parameter.ParameterName = "@p" + c.ToString(CultureInfo.InvariantCulture);
                insert.Parameters.Add(parameter);
                return parameter;
            }).ToArray();
            foreach (var row in rows)
            {
                for (var c = 0; c < columns.Length; c++)
                {
                    parameters[c].Value = Convert(row[c], sqlite) ?? DBNull.Value;
                }

                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            return;
        }

        foreach (var chunk in rows.Chunk(Math.Max(1, MaxParameters / columns.Length)))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(64 + (chunk.Length * columns.Length * 8)).Append(CultureInfo.InvariantCulture, $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
            var index = 0;
            for (var r = 0; r < chunk.Length; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Length; c++)
                {
                    var name = "@p" + index++.ToString(CultureInfo.InvariantCulture);
                    sql.Append(c == 0 ? name : ", " + name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = Convert(chunk[r][c], sqlite) ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }

                sql.Append(')');
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static object? Convert(object? value, bool sqlite) => !sqlite ? value : value switch
    {
        Guid guid => guid.ToString().ToUpperInvariant(),
        DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool flag => flag ? 1L : 0L,
        _ => value,
    };
}
