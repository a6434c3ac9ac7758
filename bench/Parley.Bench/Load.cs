using System.Diagnostics;
using System.Net;
using System.Text;
using Parley.Channels.WhatsApp;

namespace Parley.Bench;

internal sealed record LoadResult(long Requests, long Failures, double Rate, double[] Latencies)
{
    public double P50 => Load.Percentile(Latencies, 0.50);

    public double P99 => Load.Percentile(Latencies, 0.99);

    /// <summary>Runs of equal length as one: their mean rate, the percentiles of all their requests.</summary>
    public static LoadResult Combine(IReadOnlyList<LoadResult> runs) =>
        new(runs.Sum(r => r.Requests), runs.Sum(r => r.Failures), runs.Average(r => r.Rate), [.. runs.SelectMany(r => r.Latencies).Order()]);

    public override string ToString() =>
        $"{Rate,9:N0} req/s   p50 {P50,6:N1} ms   p99 {P99,6:N1} ms   ({Requests:N0} ok, {Failures:N0} failed)";
}

/// <summary>
/// The load generator: <c>concurrency</c> senders POST signed webhooks, one message each, as fast as
/// answers come or at a fixed total rate. <see cref="Acknowledged"/> tells when each wamid was answered 200.
/// </summary>
internal sealed class Load(string url, Func<long, (string Wamid, byte[] Body)> payload)
{
    public const string Secret = "bench-app-secret";

    private long sequence;

    public Action<string, long>? Acknowledged { get; init; }

    public async Task<LoadResult> RunAsync(TimeSpan duration, int concurrency, int? ratePerSecond = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler);
        var latencies = new List<double>[concurrency];
        long failures = 0;
        var stop = Stopwatch.StartNew();
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

                var (wamid, body) = payload(Interlocked.Increment(ref sequence));
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", WebhookSignature.Sign(body, Secret));
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var now = Stopwatch.GetTimestamp();
                        mine.Add(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds);
                        Acknowledged?.Invoke(wamid, now);
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
        return new LoadResult(all.Length, failures, all.Length / stop.Elapsed.TotalSeconds, all);
    }

    public static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

/// <summary>Webhook bodies as Meta sends them: one inbound text message from one of <c>customers</c>.</summary>
internal static class Payload
{
    private static readonly string Run = Guid.NewGuid().ToString("N")[..8];

    public static Func<long, (string Wamid, byte[] Body)> Inbound(string phoneNumberId, int customers, string customerPrefix = "4917") => n =>
    {
        var wamid = $"wamid.bench.{Run}.{n}";
        var from = $"{customerPrefix}{n % customers:D8}";
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930555000","phone_number_id":"{{{phoneNumberId}}}"},"contacts":[{"profile":{"name":"Kundin {{{n % customers}}}"},"wa_id":"{{{from}}}"}],"messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"Nachricht {{{n}}}"}}]}}]}]}""");
        return (wamid, body);
    };
}
