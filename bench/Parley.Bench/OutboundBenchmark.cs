using System.Diagnostics;
using System.Text.Json;

namespace Parley.Bench;

/// <summary>
/// One number drains its outbox against the sandbox set to 1,000 msg/s (a strict sliding one-second
/// window: one message more is answered 130429). Sandbox number 2 is connected with throughput 1;
/// 1,000 customers write in through the sandbox (so each has an open window, at WhatsApp's end too, and the
/// pair limit is never the bottleneck);
/// the messages are queued through the API; then the number's throughput is raised to 1,000 through
/// the API and the backlog drains. Status webhooks (sent, delivered) flow back as in production.
/// </summary>
internal static class OutboundBenchmark
{
    private const int Limit = 1000;
    private const int Customers = 1000;

    public static async Task RunAsync(int seconds, string? postgres)
    {
        // BENCH_SANDBOX=process: the sandbox in its own process, Parley outside demo mode.
        var separate = Environment.GetEnvironmentVariable("BENCH_SANDBOX") == "process";
        using var parley = await ParleyServer.StartAsync(postgres, sandboxThroughput: Limit, separateSandbox: separate);
        Console.WriteLine(separate ? "sandbox in its own process" : "sandbox inside Parley (demo mode)");
        var number = (await parley.SandboxNumbersAsync())[1];
        var connected = await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/channels/whatsapp", new
        {
            phoneNumberId = number.PhoneNumberId,
            wabaId = number.WabaId,
            displayPhoneNumber = number.DisplayPhoneNumber,
            accessToken = number.AccessToken,
            throughput = 1,
        });
        connected.EnsureSuccessStatusCode();
        var numberId = (await connected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // The customers write through the sandbox, so WhatsApp knows their windows are open too.
        await Parallel.ForEachAsync(Enumerable.Range(0, Customers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (n, ct) =>
            (await parley.Api.PostAsJsonAsync(parley.SandboxUrl + "/sandbox/api/inbound", new
            {
                from = $"4915{n:D8}",
                profileName = $"Kundin {n}",
                phoneNumberId = number.PhoneNumberId,
                type = "text",
                text = new { body = $"Nachricht {n}" },
            }, ct)).EnsureSuccessStatusCode());
        List<Guid> conversations;
        var waited = Stopwatch.StartNew();
        while ((conversations = await ConversationsAsync(parley)).Count < Customers)
        {
            if (waited.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"Only {conversations.Count} of the {Customers} customers' messages arrived in Parley.");
            }

            await Task.Delay(200);
        }

        Console.WriteLine($"{conversations.Count} conversations with an open window on sandbox number 2");

        // Queue seconds × limit messages through the API with 32 callers, round-robin over the customers.
        var total = seconds * Limit;
        var queued = 0;
        var enqueue = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref queued)) <= total)
            {
                var conversation = conversations[n % conversations.Count];
                var response = await parley.Api.PostAsJsonAsync($"{parley.Url}/api/v1/conversations/{conversation}/messages", new { type = "text", text = new { body = $"Antwort {n}" } });
                response.EnsureSuccessStatusCode();
            }
        }));
        var queuedIn = enqueue.Elapsed;

        await using var db = await parley.OpenDatabaseAsync();
        Console.WriteLine($"{total:N0} messages queued; raising the number's throughput to {Limit}/s");
        (await parley.Api.PatchAsJsonAsync($"{parley.Url}/api/v1/channels/whatsapp/{numberId}", new { throughput = Limit })).EnsureSuccessStatusCode();
        var backlogAt = await SentAsync(parley, db);
        var backlogStart = Stopwatch.StartNew();
        var samples = new List<(double Seconds, long Sent)>();
        long sent;
        while ((sent = await SentAsync(parley, db)) < total && backlogStart.Elapsed < TimeSpan.FromMinutes(5))
        {
            samples.Add((backlogStart.Elapsed.TotalSeconds, sent));
            await Task.Delay(250);
        }

        var drainedIn = backlogStart.Elapsed;
        Console.WriteLine("msg/s per second  " + Rates.PerInterval(samples, 4));
        var sustained = Rates.Sustained(samples, backlogAt, total - backlogAt);
        var refused = await ParleyServer.CountAsync(db, "SELECT count(*) FROM outbox WHERE last_error LIKE '130429%'")
            + await ParleyServer.CountAsync(db, "SELECT count(*) FROM messages WHERE error_code = 130429");
        Console.WriteLine($"queued            {total:N0} messages through the API in {queuedIn.TotalSeconds:N1} s ({total / queuedIn.TotalSeconds:N0}/s) while the number sent 1/s");
        Console.WriteLine($"drain             {sustained,9:N0} msg/s sustained (10 % to 90 % of the backlog; target ≥ 950 msg/s); {(sent - backlogAt) / drainedIn.TotalSeconds:N0} msg/s over the whole backlog of {total - backlogAt:N0} ({sent:N0} of {total:N0} sent)");
        Console.WriteLine($"over the limit    {refused} sends answered 130429 (target 0)");
    }

    private static async Task<long> SentAsync(ParleyServer parley, System.Data.Common.DbConnection db) =>
        await ParleyServer.CountAsync(db, "SELECT count(*) FROM outbox WHERE state = 'Done'");

    private static async Task<List<Guid>> ConversationsAsync(ParleyServer parley)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await parley.Api.GetFromJsonAsync<JsonElement>($"{parley.Url}/api/v1/conversations?limit=200" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            ids.AddRange(page.GetProperty("items").EnumerateArray()
                .Where(c => c.GetProperty("windowOpen").GetBoolean() && c.GetProperty("contact").GetProperty("waId").GetString()!.StartsWith("4915", StringComparison.Ordinal))
                .Select(c => c.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        return ids;
    }
}
