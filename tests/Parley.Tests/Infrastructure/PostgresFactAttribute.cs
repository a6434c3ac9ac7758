namespace Parley.Tests.Infrastructure;

/// <summary>A test of what only PostgreSQL offers (several nodes on one database); skipped in the SQLite pass.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestDatabase.IsPostgres)
        {
            Skip = "Several Parley nodes share one database on PostgreSQL only.";
        }
    }
}
