namespace Parley.Tests.Infrastructure;

/// <summary>A test of what only the SQLite setup has (the intake file); skipped in the PostgreSQL pass.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (TestDatabase.IsPostgres)
        {
            Skip = "Only SQLite writes webhook deliveries to an intake file first.";
        }
    }
}
