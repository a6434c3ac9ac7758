using System.Data.Common;
using Microsoft.Extensions.Options;
using Parley.Data;

namespace Parley.Hosting;

/// <summary>
/// Builds and runs Parley: a command, or migrate, seed the demo and serve. Anything that stops the
/// start — a bad option, an unreachable database — is printed as one line on standard error, never as
/// a stack trace, and ends the process with a non-zero code (1 configuration, 2 database).
/// </summary>
public static class ParleyHost
{
    public static async Task<int> RunAsync(string[] args, Action<WebApplicationBuilder> addFeatures, Action<WebApplication> mapFeatures)
    {
        try
        {
            // A command (migrate, workspace, user, apikey) takes its own arguments; only serving reads --urls and friends.
            // The content root is the build output, so appsettings.json and wwwroot are found from any working directory.
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                Args = Cli.IsCommand(args) ? [] : args,
                ContentRootPath = AppContext.BaseDirectory,
            });
            addFeatures(builder);
            var app = builder.Build();
            mapFeatures(app);
            return await RunAsync(app, args);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Parley cannot start: {string.Join(" ", e.Failures)}");
            return 1;
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"Parley cannot start: {e.Message}");
            return 1;
        }
        catch (Exception e) when (DatabaseProblem(e) is { } problem)
        {
            await Console.Error.WriteLineAsync($"Parley cannot reach the database: {problem.Message.ReplaceLineEndings(" ")}");
            return 2;
        }
    }

    private static DbException? DatabaseProblem(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DbException db)
            {
                return db;
            }
        }

        return null;
    }

    private static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        // Reading the options validates them (ValidateOnStart only fires when the host starts); resolving
        // the database settings checks that PostgreSQL has a connection string.
        _ = app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var options = app.Services.GetRequiredService<IOptions<ParleyOptions>>().Value;
        _ = app.Services.GetRequiredService<DatabaseSettings>();

        if (options.MigrateOnStart && args is not ["migrate", ..])
        {
            await app.Services.GetRequiredService<Migrator>().MigrateAsync(null, app.Lifetime.ApplicationStopping);
        }

        if (Cli.IsCommand(args))
        {
            return await Cli.InvokeAsync(app.Services, args, Console.Out, Console.Error, app.Lifetime.ApplicationStopping);
        }

        if (app.Services.GetRequiredService<DemoMode>().Enabled && await DemoMode.SeedAsync(app.Services, app.Lifetime.ApplicationStopping) is { } password)
        {
            app.Lifetime.ApplicationStarted.Register(() => Console.Out.WriteLine(
                $"""

                Parley demo is ready. Sign in at {ServerAddress.Of(app.Services)}/signin
                  e-mail:   {DemoMode.OwnerEmail}
                  password: {password}
                The password is shown only this once (reset it with: user reset-password --email {DemoMode.OwnerEmail}).

                """));
        }

        await app.RunAsync();
        return 0;
    }
}
