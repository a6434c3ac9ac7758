namespace Parley.Bench;

/// <summary>
/// Durable intake against a bare Kestrel endpoint, same load generator, same run: one message per
/// POST, unique wamids, signed, routed to the demo workspace's number; Parley answers only after the
/// commit. Both targets are warmed up first (JIT); then they take turns in short rounds — bare, Parley,
/// bare, Parley, … bare — and each of Parley's rounds is compared with the bare rounds on either side
/// of it, so that the machine's slow and fast moments (the bare endpoint's rate moves by half from one
/// minute to the next here) fall on both. After each of Parley's rounds its backlog is processed before
/// the next bare round, which would otherwise share the cores with the processor.
/// </summary>
internal static class IntakeBenchmark
{
    private const int Concurrency = 64;
    private const int Rounds = 5;

    public static async Task RunAsync(int seconds, string? postgres)
    {
        var round = TimeSpan.FromSeconds(seconds / (double)Rounds);
        var warmUp = TimeSpan.FromSeconds(3);

        await using var bare = await BareEndpoint.StartAsync();
        var bareLoad = new Load(bare.Url, Payload.Inbound("100000000000001", 1000));
        using var parley = await ParleyServer.StartAsync(postgres);
        var number = (await parley.SandboxNumbersAsync())[0];
        var load = new Load(parley.WebhookUrl, Payload.Inbound(number.PhoneNumberId, 1000));
        await bareLoad.RunAsync(warmUp, Concurrency);
        await load.RunAsync(warmUp, Concurrency);
        await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(5));

        Console.WriteLine($"{Rounds} rounds of {round.TotalSeconds:N1} s each, {Concurrency} senders");
        var bareRounds = new List<LoadResult> { await bareLoad.RunAsync(round, Concurrency) };
        var parleyRounds = new List<LoadResult>();
        var ratios = new List<double>();
        long backlog = 0;
        var draining = TimeSpan.Zero;
        for (var i = 1; i <= Rounds; i++)
        {
            var intake = await load.RunAsync(round, Concurrency);
            backlog += await parley.PendingWebhooksAsync();
            draining += await parley.DrainWebhooksAsync(TimeSpan.FromMinutes(10));
            var after = await bareLoad.RunAsync(round, Concurrency);
            var ratio = intake.Rate / ((bareRounds[^1].Rate + after.Rate) / 2);
            Console.WriteLine($"round {i}           bare {bareRounds[^1].Rate,7:N0}   Parley {intake}   bare {after.Rate,7:N0}   ratio {ratio:P1}");
            bareRounds.Add(after);
            parleyRounds.Add(intake);
            ratios.Add(ratio);
        }

        // Each bare round between two of Parley's counts for both; the first and the last for one.
        var bareRate = Enumerable.Range(0, Rounds).Average(i => (bareRounds[i].Rate + bareRounds[i + 1].Rate) / 2);
        var parleyAll = LoadResult.Combine(parleyRounds);
        Console.WriteLine($"bare Kestrel      {LoadResult.Combine(bareRounds)}");
        Console.WriteLine($"Parley intake     {parleyAll}");
        Console.WriteLine($"processing        {backlog / draining.TotalSeconds,9:N0} msg/s draining the {backlog:N0} messages not yet in their conversations when each round ended ({draining.TotalSeconds:N1} s)");
        Console.WriteLine($"ratio             {parleyAll.Rate / bareRate:P1} of the bare endpoint's rate {bareRate:N0} req/s around Parley's rounds (rounds {ratios.Min():P1} – {ratios.Max():P1}; target ≥ 40 %)");

        var paced = await load.RunAsync(TimeSpan.FromSeconds(seconds), Concurrency, ratePerSecond: 1000);
        Console.WriteLine($"Parley @1000/s    {paced} (target p99 < 50 ms)");
    }
}
