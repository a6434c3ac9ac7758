using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>
/// The WhatsApp sandbox on its own (<c>dotnet Parley.Sandbox.dll --urls …</c>) on a free loopback port,
/// as a crash test or a third-party client would use it: Graph API under <c>/sandbox/graph</c>, control
/// API under <c>/sandbox/api</c>.
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SandboxServer(int port, string[] settings)
    {
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var sandbox = Path.Combine(AppContext.BaseDirectory, "Parley.Sandbox.dll");
        if (!File.Exists(sandbox))
        {
            throw new InvalidOperationException($"{sandbox} is missing; build the test project (it references src/Parley, which references the sandbox).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Later settings win over the defaults before them.
        foreach (var arg in (string[])[sandbox, "--urls", BaseUrl, "--Logging:LogLevel:Default=Warning", "--Sandbox:DeliveryDelay=00:00:00.050", "--Sandbox:ReadDelay=00:00:00.100", .. settings])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var inherited in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("Sandbox__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the sandbox; <paramref name="settings"/> are extra command-line settings, e.g. <c>--Sandbox:WebhookUrl=…</c>.</summary>
    public static async Task<SandboxServer> StartAsync(params string[] settings)
    {
        var server = new SandboxServer(FreePort(), settings);
        try
        {
            await server.WaitUntilListeningAsync();
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

    private async Task WaitUntilListeningAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/sandbox/api/numbers");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"The sandbox did not answer GET /sandbox/api/numbers. Output:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
