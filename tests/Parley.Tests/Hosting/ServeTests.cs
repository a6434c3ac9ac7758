using Parley.Tests.Infrastructure;

namespace Parley.Tests.Hosting;

/// <summary>Serving as a process: demo mode on first start, graceful stop.</summary>
public sealed class ServeTests
{
    [Fact]
    public async Task FirstStart_InDemoMode_CreatesTheDemoWorkspaceAndPrintsTheSignInOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();
        environment["Parley__Demo"] = "true";

        string password;
        await using (var first = ParleyProcess.Start(environment, "--urls", "http://127.0.0.1:0"))
        {
            await first.WaitForOutputAsync("The password is shown only this once", TimeSpan.FromSeconds(60));
            Assert.Contains("owner@demo.parley.test", first.Output, StringComparison.Ordinal);
            Assert.Matches(@"Sign in at http://127\.0\.0\.1:\d+/signin", first.Output);
            password = first.Output.Split('\n').Single(l => l.Contains("password:", StringComparison.Ordinal)).Split(':')[1].Trim();
        }

        await using (var second = ParleyProcess.Start(environment, "--urls", "http://127.0.0.1:0"))
        {
            await second.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("password:", second.Output, StringComparison.Ordinal);
        }

        await using var app = new ParleyApp(database);
        await app.InitializeAsync();
        var signIn = await ParleyApp.SignInAsync(app.Browser(), "owner@demo.parley.test", password);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task Start_WithDemoOff_CreatesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();
        environment["Parley__Demo"] = "false";

        await using (var server = ParleyProcess.Start(environment, "--urls", "http://127.0.0.1:0"))
        {
            await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("demo", server.Output, StringComparison.OrdinalIgnoreCase);
        }

        var reset = await ParleyProcess.RunAsync(environment, "user", "reset-password", "--email", "owner@demo.parley.test");
        Assert.Equal(1, reset.ExitCode);
    }

    [Fact]
    public async Task Sigterm_StopsGracefully()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var server = ParleyProcess.Start(database.EnvironmentVariables(), "--urls", "http://127.0.0.1:0");
        await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));

        await server.TerminateAsync();
        await server.WaitForExitAsync(TimeSpan.FromSeconds(35));

        Assert.Equal(0, server.ExitCode);
        Assert.Contains("Application is shutting down", server.Output, StringComparison.Ordinal);
    }
}
