using System.Collections.Concurrent;
using System.Diagnostics;

namespace Parley.Bench;

/// <summary>
/// From acknowledgement to visible: 1,000 msg/s for the given time from 1,000 customers; a reader
/// looks for new messages every 10 ms through its own connection (the API reads the same committed
/// rows, uncached) and notes when each wamid appears, after a 10-second warm-up at the same rate. Parley's resident memory is sampled every second.
/// </summary>
internal static class LatencyBenchmark
{
    public static async Task RunAsync(int seconds, string? postgres)
    {
        using var parley = await ParleyServer.StartAsync(postgres);
        var number = (await parley.SandboxNumbersAsync())[0];
        var acknowledged = new ConcurrentDictionary<string, long>();
        var load = new Load(parley.WebhookUrl, Payload.Inbound(number.PhoneNumberId, 1000))
        {
            Acknowledged = (wamid, at) => acknowledged[wamid] = at,
        };

        // Warm-up, not measured: every customer known, and the runtime has optimised the hot paths (under
        // load that takes it several seconds).
        await load.RunAsync(TimeSpan.FromSeconds(10), 32, ratePerSecond: 1000);
        await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(5));
        acknowledged.Clear();

        using var stop = new CancellationTokenSource();
        var seen = new ConcurrentDictionary<string, long>();
        var watcher = WatchAsync(parley, seen, stop.Token);
        var memory = new List<double>();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                memory.Add(parley.ResidentMegabytes());
                await Task.Delay(1000);
            }
        });

        var result = await load.RunAsync(TimeSpan.FromSeconds(seconds), 32, ratePerSecond: 1000);
        await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(5));
        await Task.Delay(200);
        await stop.CancelAsync();
        await watcher;
        await sampler;

        var latencies = acknowledged
            .Select(a => seen.TryGetValue(a.Key, out var visible) ? Math.Max(0, Stopwatch.GetElapsedTime(a.Value, visible).TotalMilliseconds) : double.PositiveInfinity)
            .Order().ToArray();
        var missing = latencies.Count(double.IsPositiveInfinity);
        if (Environment.GetEnvironmentVariable("BENCH_TIMELINE") == "1")
        {
            var origin = acknowledged.Values.Min();
            foreach (var second in acknowledged.GroupBy(a => (int)Stopwatch.GetElapsedTime(origin, a.Value).TotalSeconds).OrderBy(g => g.Key))
            {
                var worst = second.Max(a => seen.TryGetValue(a.Key, out var visible) ? Stopwatch.GetElapsedTime(a.Value, visible).TotalMilliseconds : double.PositiveInfinity);
                Console.WriteLine($"  second {second.Key,3}: {second.Count(),5} acknowledged, slowest visible after {worst,8:N1} ms");
            }
        }

        Console.WriteLine($"load              {result}");
        Console.WriteLine($"ack → visible     p50 {Load.Percentile(latencies, 0.5),6:N1} ms   p99 {Load.Percentile(latencies, 0.99),6:N1} ms   max {latencies.Where(double.IsFinite).DefaultIfEmpty().Max(),6:N1} ms   ({latencies.Length:N0} messages, {missing} never seen) (target p99 < 200 ms)");
        Console.WriteLine($"resident memory   first {memory.FirstOrDefault(),5:N0} MB   max {memory.DefaultIfEmpty().Max(),5:N0} MB   last {memory.LastOrDefault(),5:N0} MB (target < 400 MB, flat)");
    }

    private static async Task WatchAsync(ParleyServer parley, ConcurrentDictionary<string, long> seen, CancellationToken stop)
    {
        await using var db = await parley.OpenDatabaseAsync();
        var newest = TimeProvider.System.GetUtcNow();
        while (!stop.IsCancellationRequested)
        {
            await using (var command = db.CreateCommand())
            {
                // Message ids are UUIDv7: their first 48 bits are the time of insertion. Look back 200 ms
                // from the newest message seen (a transaction commits well within that).
                command.CommandText = "SELECT id, provider_message_id FROM messages WHERE id > @bound";
                var bound = command.CreateParameter();
                bound.ParameterName = "@bound";
                var lowest = Guid.CreateVersion7(newest.AddMilliseconds(-200)).ToString()[..13] + "-0000-0000-000000000000";
                bound.Value = db is Microsoft.Data.Sqlite.SqliteConnection ? lowest.ToUpperInvariant() : Guid.Parse(lowest);
                command.Parameters.Add(bound);
                await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
                var now = Stopwatch.GetTimestamp();
                while (await reader.ReadAsync(CancellationToken.None))
                {
                    var id = reader.GetGuid(0);
                    var inserted = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(id.ToString("N")[..12], 16));
                    newest = inserted > newest ? inserted : newest;
                    if (!reader.IsDBNull(1))
                    {
                        seen.TryAdd(reader.GetString(1), now);
                    }
                }
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }
}
