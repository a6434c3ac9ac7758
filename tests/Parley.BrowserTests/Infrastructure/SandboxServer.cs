using System.Diagnostics;
using System.Globalization;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>
/// The WhatsApp sandbox on its own (<c>dotnet Parley.Sandbox.dll --urls …</c>) on a free loopback port,
/// as a crash test or a third-party client would use it: Graph API under <c>/sandbox/graph</c>, control
/// API under <c>/sandbox/api</c>.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly OutputLog output = new();

    private SandboxServer(int port, string[] settings)
    {
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

        // Later settings win over the defaults before them.
        process = ChildProcess.Create(
            "Parley.Sandbox.dll",
            ["--urls", BaseUrl, "--Logging:LogLevel:Default=Warning", "--Sandbox:DeliveryDelay=00:00:00.050", "--Sandbox:ReadDelay=00:00:00.100", .. settings],
            []);
        ChildProcess.Start(process, output);
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public string Output => output.ToString();

    /// <summary>Starts the sandbox; <paramref name="settings"/> are extra command-line settings, e.g. <c>--Sandbox:WebhookUrl=…</c>.</summary>
    public static async Task<SandboxServer> StartAsync(params string[] settings)
    {
        var server = new SandboxServer(ChildProcess.FreePort(), settings);
        try
        {
            await ChildProcess.WaitUntilOkAsync(server.Http, "/sandbox/api/numbers", server.process, TimeSpan.FromSeconds(60), server.output);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Http.Dispose();
    }
}
