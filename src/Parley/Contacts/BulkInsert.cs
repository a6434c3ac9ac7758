using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Parley.Data;

namespace Parley.Contacts;

/// <summary>
/// INSERTs of many rows inside the context's current transaction (binary COPY on PostgreSQL, one prepared statement per row on SQLite), for the import's, the planner's
/// and the campaign feeder's new rows, and updates of many rows by key: EF's change tracking costs more than the rows themselves at 100,000 contacts. Values are written the way
/// EF writes them on each provider (on SQLite: GUIDs as upper-case text, times as
/// <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>, dates as <c>yyyy-MM-dd</c>, booleans as 0/1).
/// </summary>
internal static class BulkInsert
{
    /// <summary>Writes the rows as they are enumerated (so making them can overlap with the database's work).</summary>
    public static async Task RunAsync(ParleyDb db, string table, string[] columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        if (rows is IReadOnlyCollection<object?[]> { Count: 0 })
        {
            return;
        }

        if (db.Database.IsSqlite())
        {
            // SQLite runs in process: one prepared single-row statement, executed per row, beats building large ones.
            await EachRowInProcessAsync(db, $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, c) => Name(c)))})", columns.Length, rows, cancellationToken);
            return;
        }

        // PostgreSQL: binary COPY, one stream for all rows, inside the same transaction.
        var npgsql = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        await using var writer = await npgsql.BeginBinaryImportAsync($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await writer.StartRowAsync(cancellationToken);
            foreach (var value in row)
            {
                await (value switch
                {
                    null => writer.WriteNullAsync(cancellationToken),
                    Guid guid => writer.WriteAsync(guid, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken),
                    string text => writer.WriteAsync(text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken),
                    DateTime time => writer.WriteAsync(DateTime.SpecifyKind(time, DateTimeKind.Utc), NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken),
                    DateOnly date => writer.WriteAsync(date, NpgsqlTypes.NpgsqlDbType.Date, cancellationToken),
                    bool flag => writer.WriteAsync(flag, NpgsqlTypes.NpgsqlDbType.Boolean, cancellationToken),
                    int number => writer.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Integer, cancellationToken),
                    long number => writer.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken),
                    decimal number => writer.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Numeric, cancellationToken),
                    double number => writer.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Double, cancellationToken),
                    _ => throw new NotSupportedException($"BulkInsert cannot write a {value.GetType().Name}."),
                });
            }
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>Writes entities of a mapped type: every column, with the model's value converters applied, as SaveChanges would.</summary>
    public static Task EntitiesAsync<T>(ParleyDb db, IReadOnlyCollection<T> entities, CancellationToken cancellationToken)
        where T : class
    {
        if (entities.Count == 0)
        {
            return Task.CompletedTask;
        }

        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped.");
        var properties = type.GetProperties().Select(p => (Column: p.GetColumnName(), Getter: p.GetGetter(), p.GetTypeMapping().Converter)).ToArray();
        return RunAsync(db, type.GetTableName()!, [.. properties.Select(p => p.Column)],
            entities.Select(entity => properties.Select(p => p.Getter.GetClrValue(entity) switch
            {
                { } value when p.Converter is { } converter => converter.ConvertToProvider(value),
                var value => value,
            }).ToArray()),
            cancellationToken);
    }

    /// <summary>
    /// Updates rows found by their key (each row's first value) inside the context's current transaction;
    /// answers the keys of the rows it changed. SQLite runs <paramref name="sqlite"/> in process once per row,
    /// prepared once, with the row's values as <c>@p0</c> … and then the <paramref name="scalars"/>.
    /// PostgreSQL runs <paramref name="postgres"/> once, with each column's values as one array of the
    /// <paramref name="columns"/>' type (<c>@p0</c> …), then the scalars; it returns the changed rows' keys.
    /// It reads the arrays through a function declared to return one row (migration 0032), so the planner
    /// looks each row up by its key's index whatever the table's statistics say: a join with the arrays
    /// themselves, counted as the thousand rows they are, was planned with statistics from when the table was
    /// empty as one scan of the table per row.
    /// </summary>
    public static async Task<HashSet<TKey>> UpdateByKeyAsync<TKey>(ParleyDb db, string sqlite, string postgres, Type[] columns, IReadOnlyList<object?[]> rows, object[] scalars, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        if (!db.Database.IsNpgsql())
        {
            var changed = await EachRowInProcessAsync(db, sqlite, columns.Length + scalars.Length, rows.Select(r => (object?[])[.. r, .. scalars]), cancellationToken);
            return [.. rows.Where((_, i) => changed[i] > 0).Select(r => (TKey)r[0]!)];
        }

        await using var command = ((Npgsql.NpgsqlConnection)db.Database.GetDbConnection()).CreateCommand();
        command.Transaction = (Npgsql.NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = postgres;
        for (var c = 0; c < columns.Length; c++)
        {
            var values = Array.CreateInstance(columns[c], rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                values.SetValue(ForPostgres(rows[r][c]), r);
            }

            command.Parameters.Add(new Npgsql.NpgsqlParameter(Name(c), NpgsqlTypes.NpgsqlDbType.Array | PostgresType(columns[c])) { Value = values });
        }

        for (var s = 0; s < scalars.Length; s++)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter(Name(columns.Length + s), PostgresType(scalars[s].GetType())) { Value = ForPostgres(scalars[s]) });
        }

        var keys = new HashSet<TKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetFieldValue<TKey>(0));
        }

        return keys;
    }

    /// <summary>SQLite: one command, prepared once, executed per row.</summary>
    private static async Task<List<int>> EachRowInProcessAsync(ParleyDb db, string sql, int width, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        var parameters = Enumerable.Range(0, width).Select(c =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = Name(c);
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        var changed = new List<int>();
        foreach (var row in rows)
        {
            for (var c = 0; c < width; c++)
            {
                parameters[c].Value = ForSqlite(row[c]) ?? DBNull.Value;
            }

            changed.Add(await command.ExecuteNonQueryAsync(cancellationToken));
        }

        return changed;
    }

    private static NpgsqlTypes.NpgsqlDbType PostgresType(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(Guid) => NpgsqlTypes.NpgsqlDbType.Uuid,
        var t when t == typeof(string) => NpgsqlTypes.NpgsqlDbType.Text,
        var t when t == typeof(DateTime) => NpgsqlTypes.NpgsqlDbType.TimestampTz,
        var t when t == typeof(DateOnly) => NpgsqlTypes.NpgsqlDbType.Date,
        var t when t == typeof(bool) => NpgsqlTypes.NpgsqlDbType.Boolean,
        var t when t == typeof(int) => NpgsqlTypes.NpgsqlDbType.Integer,
        var t when t == typeof(long) => NpgsqlTypes.NpgsqlDbType.Bigint,
        var t when t == typeof(decimal) => NpgsqlTypes.NpgsqlDbType.Numeric,
        var t when t == typeof(double) => NpgsqlTypes.NpgsqlDbType.Double,
        var t => throw new NotSupportedException($"BulkInsert cannot write a {t.Name}."),
    };

    private static string Name(int column) => "@p" + column.ToString(CultureInfo.InvariantCulture);

    /// <summary>Times are stored as UTC (as EF and the COPY above write them), so they go out as <c>timestamptz</c>.</summary>
    private static object? ForPostgres(object? value) => value is DateTime time ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : value;

    private static object? ForSqlite(object? value) => value switch
    {
        Guid guid => guid.ToString().ToUpperInvariant(),
        DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool flag => flag ? 1L : 0L,
        _ => value,
    };
}
