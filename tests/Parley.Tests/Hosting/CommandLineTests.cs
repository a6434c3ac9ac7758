using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Hosting;

/// <summary>The administrative commands, run as real processes against a real database.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Migrate_Twice_IsANoOpTheSecondTime()
    {
        await using var database = await TestDatabase.CreateAsync();

        var first = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "migrate");
        var second = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "migrate");

        Assert.Equal(0, first.ExitCode);
        Assert.Matches(@"Applied \d+ migration\(s\)\.", first.Output);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal("The database is up to date.", second.LastOutputLine());
    }

    [Fact]
    public async Task WorkspaceUserAndKey_CreatedOnTheCommandLine_WorkInTheProduct()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();

        var workspace = await ParleyProcess.RunAsync(environment, "workspace", "create", "--slug", "werkstatt", "--name", "Autohaus Müller");
        var user = await ParleyProcess.RunAsync(environment, "user", "create", "--workspace", "werkstatt", "--email", "chefin@autohaus.test", "--role", "owner");
        var key = await ParleyProcess.RunAsync(environment, "apikey", "create", "--workspace", "werkstatt", "--role", "agent", "--name", "CRM");

        Assert.Equal((0, 0, 0), (workspace.ExitCode, user.ExitCode, key.ExitCode));
        Assert.Contains("Created workspace 'werkstatt' (Autohaus Müller).", workspace.Output, StringComparison.Ordinal);
        var password = user.LastOutputLine();
        var secret = key.LastOutputLine();
        Assert.Matches("^pk_[A-Za-z0-9]{34}$", secret);

        await using var app = new ParleyApp(database);
        await app.InitializeAsync();
        var current = await app.Api(secret).GetFromJsonAsync<JsonElement>("/api/v1/workspace");
        Assert.Equal("Autohaus Müller", current.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.Redirect, (await ParleyApp.SignInAsync(app.Browser(), "chefin@autohaus.test", password)).StatusCode);
    }

    [Theory]
    [InlineData(new[] { "apikey", "create", "--workspace", "nowhere", "--role", "agent" }, "There is no workspace with the slug 'nowhere'.")]
    [InlineData(new[] { "workspace", "create", "--slug", "Bad Slug", "--name", "X" }, "--slug: A slug uses lower-case letters")]
    [InlineData(new[] { "user", "create", "--workspace", "nowhere", "--email", "x@y.test", "--role", "agent" }, "There is no workspace")]
    public async Task Command_WithBadInput_FailsWithOneClearLine(string[] args, string message)
    {
        await using var database = await TestDatabase.CreateAsync();

        var run = await ParleyProcess.RunAsync(database.EnvironmentVariables(), args);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith(message, run.Error.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserCreate_WithUnknownRole_ListsTheRoles()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();
        await ParleyProcess.RunAsync(environment, "workspace", "create", "--slug", "shop", "--name", "Shop");

        var run = await ParleyProcess.RunAsync(environment, "user", "create", "--workspace", "shop", "--email", "a@shop.test", "--role", "boss");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--role: Role must be one of: owner, admin, supervisor, agent, marketer, viewer.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAnInvalidOption_StopsWithOneClearLine()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();
        environment["Parley__MaxFailedSignIns"] = "0";

        var run = await ParleyProcess.RunAsync(environment, "migrate");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Trim().Split('\n'));
        Assert.StartsWith("Parley cannot start:", line, StringComparison.Ordinal);
        Assert.Contains("MaxFailedSignIns", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithUnreachablePostgres_SaysSoInOneLine()
    {
        var environment = new Dictionary<string, string?>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Default"] = "Host=127.0.0.1;Port=1;Database=parley;Username=parley;Password=wrong;Timeout=3",
            ["Parley__DataDirectory"] = Path.GetTempPath(),
        };

        var run = await ParleyProcess.RunAsync(environment, "migrate");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Trim().Split('\n'));
        Assert.StartsWith("Parley cannot reach the database:", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithPostgresButNoConnectionString_SaysWhatToSet()
    {
        var run = await ParleyProcess.RunAsync(new Dictionary<string, string?> { ["Database__Provider"] = "Postgres", ["Parley__DataDirectory"] = Path.GetTempPath() }, "migrate");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("ConnectionStrings:Default", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
