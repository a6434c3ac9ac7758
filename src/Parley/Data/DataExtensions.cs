using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Parley.Data;

public static class DataExtensions
{
    public static WebApplicationBuilder AddData(this WebApplicationBuilder builder)
    {
        // Resolved lazily from the final configuration (hosts and tests may add sources after this call).
        builder.Services.AddSingleton(services => DatabaseSettings.From(services.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<Migrator>();
        builder.Services.AddSingleton<WriteGate>();
        builder.Services.AddDbContext<ParleyDb>((services, options) =>
        {
            var settings = services.GetRequiredService<DatabaseSettings>();

            // Counting up to a cap (the segment planner) takes rows in no order on purpose; pages always order.
            options.ConfigureWarnings(warnings => warnings.Ignore(CoreEventId.RowLimitingOperationWithoutOrderByWarning));
            if (settings.IsPostgres)
            {
                options.UseNpgsql(settings.ConnectionString);
            }
            else
            {
                options.UseSqlite(settings.ConnectionString).AddInterceptors(new SqlitePragmas());
            }
        });

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    public static WebApplication MapData(this WebApplication app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous().DisableHttpMetrics();
        return app;
    }
}

/// <summary>Healthy when a fresh connection to the database answers a query against our own schema.</summary>
internal sealed class DatabaseHealthCheck(DatabaseSettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await settings.OpenUnpooledAsync(create: false, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM schema_migrations";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (DbException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.");
        }
    }
}
