using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Parley.Data;

namespace Parley.Contacts;

/// <summary>
/// Multi-row INSERTs inside the context's current transaction, for the import's new rows: EF's
/// change tracking costs more than the rows themselves at 100,000 contacts. Values are written the way
/// EF writes them on each provider (on SQLite: GUIDs as upper-case text, times as
/// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, dates as <c>yyyy-MM-dd</c>, booleans as 0/1).
/// </summary>
internal static class BulkInsert
{
    private const int MaxParameters = 900;

    public static async Task RunAsync(ParleyDb db, string table, string[] columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sqlite = db.Database.IsSqlite();
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
