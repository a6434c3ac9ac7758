namespace Parley.Bench;

/// <summary>
/// Durable intake against a bare Kestrel endpoint, same load generator, same run: one message per
/// POST, unique wamids, signed, routed to the demo workspace's number; Parley answers only after the
/// commit. Both targets are warmed up first (JIT) and then measured for the same time; the bare endpoint
/// once before Parley and once after (when Parley has processed its backlog and is idle), and Parley's
/// rate is compared with the mean of the two, so a slow or fast moment of the machine does not decide
/// the ratio.
/// </summary>
internal static class IntakeBenchmark
{
    private const int Concurrency = 64;

    public static async Task RunAsync(int seconds, string? postgres)
    {
        var duration = TimeSpan.FromSeconds(seconds);
        var warmUp = TimeSpan.FromSeconds(3);

        await using var bare = await BareEndpoint.StartAsync();
        var bareLoad = new Load(bare.Url, Payload.Inbound("100000000000001", 1000));
        await bareLoad.RunAsync(warmUp, Concurrency);
        var baseline = await bareLoad.RunAsync(duration, Concurrency);
        Console.WriteLine($"bare Kestrel      {baseline}");

        using var parley = await ParleyServer.StartAsync(postgres);
        var number = (await parley.SandboxNumbersAsync())[0];
        var load = new Load(parley.WebhookUrl, Payload.Inbound(number.PhoneNumberId, 1000));
        await load.RunAsync(warmUp, Concurrency);
        await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(5));

        var intake = await load.RunAsync(duration, Concurrency);
        Console.WriteLine($"Parley intake     {intake}");
        long backlog;
        await using (var db = await parley.OpenDatabaseAsync())
        {
            backlog = await ParleyServer.CountAsync(db, "SELECT count(*) FROM webhook_deliveries WHERE processed_at IS NULL AND dead_at IS NULL");
        }

        var drained = await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(10));
        Console.WriteLine($"processing        {backlog / drained.TotalSeconds,9:N0} msg/s draining the {backlog:N0} messages not yet in their conversations when the load ended ({drained.TotalSeconds:N1} s)");

        var again = await bareLoad.RunAsync(duration, Concurrency);
        Console.WriteLine($"bare Kestrel      {again}");
        var bareRate = (baseline.Rate + again.Rate) / 2;
        Console.WriteLine($"ratio             {intake.Rate / bareRate:P1} of the bare endpoint's mean rate {bareRate:N0} req/s (target ≥ 40 %)");

        var paced = await load.RunAsync(duration, Concurrency, ratePerSecond: 1000);
        Console.WriteLine($"Parley @1000/s    {paced} (target p99 < 50 ms)");
    }
}
