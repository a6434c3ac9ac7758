using System.ComponentModel.DataAnnotations;

namespace Parley.Hosting;

/// <summary>The <c>Parley</c> configuration section.</summary>
public sealed class ParleyOptions
{
    public const string Section = "Parley";

    /// <summary>Where the SQLite file and (later) media live. Relative paths are taken from the working directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// Demo mode: on first start with an empty database, create the <c>demo</c> workspace and an owner.
    /// Unset means "on for the embedded SQLite default, off when PostgreSQL is configured".
    /// </summary>
    public bool? Demo { get; set; }

    /// <summary>Apply pending migrations when the server or a command starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00", ErrorMessage = "Parley:LockoutDuration must lie between 10 seconds and 1 day.")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00", ErrorMessage = "Parley:SessionLifetime must lie between 5 minutes and 30 days.")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>The <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [AllowedValues("Sqlite", "Postgres", ErrorMessage = "Database:Provider must be 'Sqlite' or 'Postgres'.")]
    public string Provider { get; set; } = "Sqlite";

    public bool IsPostgres => Provider == "Postgres";
}
