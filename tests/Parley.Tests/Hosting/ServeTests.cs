using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
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

    /// <summary>
    /// Through Kestrel, where the body limit is enforced (the in-memory test server does not): a webhook that
    /// declares more than 4 MB is refused with a reason before its body is read, and nothing is stored.
    /// </summary>
    [Fact]
    public async Task AWebhookOverFourMegabytes_IsRefusedWith413_AndNothingIsStored()
    {
        await using var database = await TestDatabase.CreateAsync();
        var environment = database.EnvironmentVariables();
        environment["Parley__Demo"] = "false";
        environment["WhatsApp__AppSecret"] = ParleyApp.AppSecret;
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        string answer;
        await using (var server = ParleyProcess.Start(environment, "--urls", $"http://127.0.0.1:{port}"))
        {
            await server.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(60));

            // Only the head and a little of the body are sent: the declared length alone exceeds the limit.
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {5 * 1024 * 1024}\r\nConnection: close\r\nX-Hub-Signature-256: sha256={new string('0', 64)}\r\n\r\n{{\"object\":"));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            answer = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
        Assert.Contains("The webhook body is larger than 4 MB.", answer, StringComparison.Ordinal);
        await using var app = new ParleyApp(database);
        await app.InitializeAsync();
        await app.WaitForWebhooksAsync(); // anything in the intake file would be moved in by now
        Assert.Equal(0, await app.WithDbAsync(db => db.WebhookDeliveries.CountAsync()));
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
