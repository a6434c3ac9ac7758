using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Parley.Tests.Data;

/// <summary>
/// The shape of a database as lines of text — tables, columns with type and nullability, indexes and
/// foreign keys — so two databases can be compared with one assertion that shows the difference. The
/// search indexes of migration 0018 (FTS5 tables on SQLite, trigram indexes named ix_search_* on
/// PostgreSQL) and PostgreSQL's generated search_text column (migration 0024) are outside the EF model
/// and left out.
/// </summary>
internal static class SchemaSnapshot
{
    public static async Task<List<string>> ReadAsync(DbConnection connection)
    {
        var lines = connection is SqliteConnection ? await ReadSqliteAsync(connection) : await ReadPostgresAsync(connection);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task<List<string>> ReadSqliteAsync(DbConnection connection)
    {
        var lines = new List<string>();
        var tables = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' AND name NOT LIKE '%\\_search%' ESCAPE '\\'");
        foreach (var table in tables.Select(r => r[0]))
        {
            foreach (var column in await QueryAsync(connection, $"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')"))
            {
                lines.Add($"column {table}.{column[0]} {column[1]} notnull={column[2]} pk={column[3]}");
            }

            foreach (var index in await QueryAsync(connection, $"SELECT name, \"unique\", partial FROM pragma_index_list('{table}') WHERE origin = 'c'"))
            {
                var columns = await QueryAsync(connection, $"SELECT name FROM pragma_index_info('{index[0]}') ORDER BY seqno");
                lines.Add($"index {table}.{index[0]} unique={index[1]} partial={index[2]} ({string.Join(", ", columns.Select(c => c[0]))})");
            }

            foreach (var key in await QueryAsync(connection, $"SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
            {
                lines.Add($"foreign key {table}.{key[1]} -> {key[0]}.{key[2]} on delete {key[3]}");
            }
        }

        return lines;
    }

    private static async Task<List<string>> ReadPostgresAsync(DbConnection connection)
    {
        var lines = new List<string>();
        foreach (var column in await QueryAsync(connection, """
            SELECT table_name, column_name, data_type, COALESCE(character_maximum_length::text, ''), is_nullable
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name <> 'schema_migrations' AND column_name <> 'search_text'
            """))
        {
            lines.Add($"column {column[0]}.{column[1]} {column[2]}({column[3]}) nullable={column[4]}");
        }

        foreach (var index in await QueryAsync(connection, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations' AND indexname NOT LIKE 'ix\\_search\\_%'"))
        {
            lines.Add($"index {index[0]}");
        }

        foreach (var constraint in await QueryAsync(connection, """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'schema_migrations'
            """))
        {
            lines.Add($"constraint {constraint[0]}.{constraint[1]} {constraint[2]}");
        }

        return lines;
    }

    private static async Task<List<string[]>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }

            rows.Add(row);
        }

        return rows;
    }
}
