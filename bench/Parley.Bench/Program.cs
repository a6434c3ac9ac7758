using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Channels.WhatsApp;

namespace Parley.Bench;

/// <summary>
/// Durable webhook intake against a bare Kestrel endpoint, with the same load generator in one run:
/// one message per POST, unique ids, signed; Parley answers only after the commit.
/// Usage: dotnet run -c Release --project bench/Parley.Bench -- [seconds=10] [concurrency=64] [postgres connection string]
/// </summary>
internal static class Program
{
    private const string Secret = "bench-app-secret";

    public static async Task<int> Main(string[] args)
    {
        var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var postgres = args.Length > 2 ? args[2] : null;

        Console.WriteLine($"Intake benchmark: {seconds} s per target, {concurrency} concurrent senders, {Environment.ProcessorCount} cores, {(postgres is null ? "SQLite" : "PostgreSQL")}");

        await using var bare = await BareEndpoint.StartAsync();
        var baseline = await Load.RunAsync(bare.Url, seconds, concurrency);
        Console.WriteLine($"bare Kestrel      {baseline}");

        var data = Directory.CreateTempSubdirectory("parley-bench-");
        using var parley = await ParleyServer.StartAsync(data.FullName, postgres);
        var intake = await Load.RunAsync(parley.Url + "/webhooks/whatsapp", seconds, concurrency);
        Console.WriteLine($"Parley intake     {intake}");

        var ratio = intake.Rate / baseline.Rate;
        Console.WriteLine($"ratio             {ratio:P1} of the bare endpoint's rate (target ≥ 40 %)");

        // Acknowledgement latency at a fixed 1,000 msg/s.
        var paced = await Load.RunAsync(parley.Url + "/webhooks/whatsapp", seconds, concurrency, ratePerSecond: 1000);
        Console.WriteLine($"Parley @1000/s    {paced} (target p99 < 50 ms)");
        data.Delete(recursive: true);
        return 0;
    }
}

internal sealed record LoadResult(long Requests, long Failures, double Rate, double P50, double P99)
{
    public override string ToString() =>
        $"{Rate,9:N0} req/s   p50 {P50,6:N1} ms   p99 {P99,6:N1} ms   ({Requests:N0} ok, {Failures:N0} failed)";
}

internal static class Load
{
    public static async Task<LoadResult> RunAsync(string url, int seconds, int concurrency, int? ratePerSecond = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler);
        var latencies = new List<double>[concurrency];
        long failures = 0;
        long sequence = 0;
        var stop = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(seconds);
        var interval = ratePerSecond is { } rate ? TimeSpan.FromSeconds(concurrency / (double)rate) : TimeSpan.Zero;

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(100_000);
            var next = stop.Elapsed + TimeSpan.FromTicks(interval.Ticks * worker / Math.Max(1, concurrency));
            while (stop.Elapsed < duration)
            {
                if (interval > TimeSpan.Zero)
                {
                    var wait = next - stop.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    next += interval;
                }

                var body = Payload.Create(Interlocked.Increment(ref sequence));
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", WebhookSignature.Sign(body, "bench-app-secret"));
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length, failures, all.Length / stop.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

internal static class Payload
{
    public static byte[] Create(long n) => Encoding.UTF8.GetBytes(
        $$$"""{"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930555000","phone_number_id":"100000000000001"},"contacts":[{"profile":{"name":"Bench"},"wa_id":"4917{{{n % 100_000:D8}}}"}],"messages":[{"from":"4917{{{n % 100_000:D8}}}","id":"wamid.bench{{{n}}}{{{Environment.TickCount64}}}","timestamp":"1790000000","type":"text","text":{"body":"Nachricht {{{n}}}"}}]}}]}]}""");
}

/// <summary>The baseline: Kestrel reading the body and answering 200, nothing else.</summary>
internal sealed class BareEndpoint(WebApplication app, string url) : IAsyncDisposable
{
    public string Url { get; } = url;

    public static async Task<BareEndpoint> StartAsync()
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            return Results.Ok();
        });
        await app.StartAsync();
        return new BareEndpoint(app, $"http://127.0.0.1:{port}/");
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The real Parley as its own process (Release build), demo and sandbox off.</summary>
internal sealed class ParleyServer(Process process, string url) : IDisposable
{
    public string Url { get; } = url;

    public static async Task<ParleyServer> StartAsync(string dataDirectory, string? postgres)
    {
        var port = BareEndpoint.FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(Parley.Hosting.ParleyHost).Assembly.Location);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["Parley__DataDirectory"] = dataDirectory;
        start.Environment["Parley__Demo"] = "false";
        start.Environment["WhatsApp__AppSecret"] = "bench-app-secret";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (postgres is not null)
        {
            start.Environment["Database__Provider"] = "Postgres";
            start.Environment["ConnectionStrings__Default"] = postgres;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient();
        for (var i = 0; i < 200; i++)
        {
            try
            {
                if ((await client.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode)
                {
                    return new ParleyServer(process, $"http://127.0.0.1:{port}");
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new InvalidOperationException("Parley did not start.");
    }

    public void Dispose()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}
