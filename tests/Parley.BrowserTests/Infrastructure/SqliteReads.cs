using Microsoft.Data.Sqlite;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>Reading Parley's SQLite file directly, as the crash tests check it.</summary>
public static class SqliteReads
{
    public static List<T> Query<T>(this SqliteConnection db, string sql, Func<SqliteDataReader, T> read)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static long Scalar(this SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
