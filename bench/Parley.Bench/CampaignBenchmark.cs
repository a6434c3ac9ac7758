using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Parley.Bench;

/// <summary>
/// A marketing campaign at scale against a real Parley. The given number of contacts (city
/// attribute, on one list, marketing consent in the ledger) are written straight into the database; the
/// campaign is planned through <c>POST /api/v1/campaigns</c> (every recipient row written: the planning
/// target), then — after a warm-up campaign to other contacts through the same numbers — started with two
/// sandbox numbers at 1,000 msg/s each (the sandbox refuses the 1,001st message in any second with 130429)
/// and the send rate is read from the outbox every second.
/// </summary>
internal static class CampaignBenchmark
{
    private const int Throughput = 1000;

    /// <summary>Recipients of a campaign sent before the measured one.</summary>
    private const int WarmUp = 20_000;

    public static async Task RunAsync(int recipients, string? postgres)
    {
        // BENCH_SANDBOX=process: the sandbox in its own process, so Parley's memory is Parley's alone.
        var separate = Environment.GetEnvironmentVariable("BENCH_SANDBOX") == "process";
        using var parley = await ParleyServer.StartAsync(postgres, sandboxThroughput: Throughput, separateSandbox: separate);
        Console.WriteLine(separate ? "sandbox in its own process" : "sandbox inside Parley (demo mode)");
        var numbers = await parley.SandboxNumbersAsync();
        // Demo mode connects the first sandbox number itself; the others (and, with a separate sandbox, all) are connected here.
        var connected = (await parley.Api.GetFromJsonAsync<JsonElement>(parley.Url + "/api/v1/channels/whatsapp")).EnumerateArray().Select(n => n.GetProperty("phoneNumberId").GetString()).ToHashSet();
        foreach (var sandboxNumber in numbers.Take(2).Where(n => !connected.Contains(n.PhoneNumberId)))
        {
            (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/channels/whatsapp", new
            {
                phoneNumberId = sandboxNumber.PhoneNumberId,
                wabaId = sandboxNumber.WabaId,
                displayPhoneNumber = sandboxNumber.DisplayPhoneNumber,
                accessToken = sandboxNumber.AccessToken,
                throughput = Throughput,
            })).EnsureSuccessStatusCode();
        }

        foreach (var number in (await parley.Api.GetFromJsonAsync<JsonElement>(parley.Url + "/api/v1/channels/whatsapp")).EnumerateArray())
        {
            (await parley.Api.PatchAsJsonAsync($"{parley.Url}/api/v1/channels/whatsapp/{number.GetProperty("id").GetGuid()}", new { throughput = Throughput })).EnsureSuccessStatusCode();
        }

        (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/attributes", new { key = "city", type = "text" })).EnsureSuccessStatusCode();
        var list = await ListAsync(parley, "Newsletter");
        var warmList = await ListAsync(parley, "Warm-up");
        var watch = Stopwatch.StartNew();
        await using (var db = await parley.OpenDatabaseAsync(write: true))
        {
            await FillAsync(db, recipients, list, warmList);
        }

        Console.WriteLine($"filled            {recipients:N0} contacts on a list with marketing consent (and {WarmUp:N0} on a warm-up list) in {watch.Elapsed.TotalSeconds:N0} s");
        object Request(string name, Guid audience) => new
        {
            name,
            template = new { name = "spring_offer", language = "de" },
            variables = new Dictionary<string, string> { ["1"] = "{{contact.name|Kundin}} in {{attr.city|Ihrer Stadt}}" },
            audience = new { lists = new[] { audience } },
            numbers = numbers.Take(2).Select(n => n.PhoneNumberId),
        };
        watch.Restart();
        var created = await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/campaigns", Request("Frühjahr", list));
        var planned = await created.Content.ReadFromJsonAsync<JsonElement>();
        var planTime = watch.Elapsed;
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Planning failed: {planned}");
        }

        var toSend = planned.GetProperty("funnel").GetProperty("toSend").GetInt32();
        Console.WriteLine($"plan              {planned.GetProperty("recipients").GetInt32():N0} recipients ({toSend:N0} to send) in {planTime.TotalSeconds:N2} s, Parley at {parley.ResidentMegabytes():N0} MB (target < 5 s)");

        var id = planned.GetProperty("id").GetGuid();
        watch.Restart();
        (await parley.Api.GetAsync($"{parley.Url}/api/v1/campaigns/{id}")).EnsureSuccessStatusCode();
        Console.WriteLine($"dashboard         GET /api/v1/campaigns/{{id}} over {toSend:N0} recipients in {watch.Elapsed.TotalMilliseconds:N0} ms");
        await using var reader = await parley.OpenDatabaseAsync(write: true);
        // The sandbox's accounts report TIER_10K; a real account at 2,000 msg/s is unlimited.
        await new SqlSeed(reader).ExecuteAsync("UPDATE whatsapp_numbers SET messaging_limit = 'TIER_UNLIMITED'");

        // Both processes run warm, as a Parley that has been up for a while and WhatsApp's servers do: cold, the
        // sandbox spent its first 20 s under load compiling its code again at higher tiers, on the same two cores.
        watch.Restart();
        var warm = (await (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/campaigns", Request("Warm-up", warmList))).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        (await parley.Api.PostAsync($"{parley.Url}/api/v1/campaigns/{warm}/start", null)).EnsureSuccessStatusCode();
        while (await ParleyServer.CountAsync(reader, "SELECT count(*) FROM messages WHERE status = 'Delivered'") < WarmUp)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException("The warm-up campaign was not delivered within 5 minutes.");
            }

            await Task.Delay(500);
        }

        // Every warm-up send is done now, so the measured campaign's sends are the ones counted after this.
        var warmedUp = await ParleyServer.CountAsync(reader, "SELECT count(*) FROM outbox WHERE state = 'Done'");
        Console.WriteLine($"warm-up           {warmedUp:N0} messages sent and delivered in {watch.Elapsed.TotalSeconds:N0} s, before the measured campaign");
        (await parley.Api.PostAsync($"{parley.Url}/api/v1/campaigns/{id}/start", null)).EnsureSuccessStatusCode();
        var started = Stopwatch.StartNew();
        var cpuBefore = parley.ProcessorTime();
        var samples = new List<(double Seconds, long Sent)>();
        var memory = 0.0;
        long sent;
        do
        {
            await Task.Delay(1000);
            sent = await ParleyServer.CountAsync(reader, "SELECT count(*) FROM outbox WHERE state = 'Done'") - warmedUp;
            samples.Add((started.Elapsed.TotalSeconds, sent));
            memory = Math.Max(memory, parley.ResidentMegabytes());
        }
        while (sent < toSend && started.Elapsed < TimeSpan.FromMinutes(10));

        var cpuAfter = parley.ProcessorTime();
        var (parleyCpu, sandboxCpu) = (cpuAfter.Parley - cpuBefore.Parley, cpuAfter.Sandbox - cpuBefore.Sandbox);
        Console.WriteLine("msg/s per 5 s     " + Rates.PerInterval(samples, 5));
        var rate = Rates.Sustained(samples, 0, toSend);
        var refused = await ParleyServer.CountAsync(reader, "SELECT count(*) FROM outbox WHERE last_error LIKE '130429%'")
            + await ParleyServer.CountAsync(reader, "SELECT count(*) FROM messages WHERE error_code = 130429");
        var twice = await ParleyServer.CountAsync(reader, "SELECT count(*) FROM (SELECT contact_id FROM campaign_recipients WHERE message_id IS NOT NULL GROUP BY contact_id HAVING count(*) > 1) AS d");
        Console.WriteLine($"dispatch          {sent:N0} of {toSend:N0} sent in {started.Elapsed.TotalSeconds:N0} s; sustained {rate:N0} msg/s = {rate / (2.0 * Throughput):P0} of {2 * Throughput:N0} (target ≥ 90 %)");
        Console.WriteLine($"processor time    Parley {parleyCpu.TotalSeconds:N1} s ({parleyCpu.TotalMilliseconds * 1000 / Math.Max(1, sent):N0} µs per message), sandbox {sandboxCpu.TotalSeconds:N1} s, "
            + $"of {Environment.ProcessorCount * started.Elapsed.TotalSeconds:N0} s on {Environment.ProcessorCount} cores");
        Console.WriteLine($"over the limit    {refused} sends answered 130429 (target 0); recipients with two messages: {twice}");
        Console.WriteLine($"memory            peak {memory:N0} MB resident, mapped files not counted (target < 500 MB)");
    }

    private static async Task<Guid> ListAsync(ParleyServer parley, string name) =>
        (await (await parley.Api.PostAsJsonAsync(parley.Url + "/api/v1/lists", new { name })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

    /// <summary>
    /// Contacts with a city, on the list, with a marketing grant in the ledger and its current state; the
    /// first <see cref="WarmUp"/> of them (besides the given number) on the warm-up list.
    /// </summary>
    private static async Task FillAsync(System.Data.Common.DbConnection db, int recipients, Guid list, Guid warmList)
    {
        var contacts = recipients + WarmUp;
        var seed = new SqlSeed(db);
        var workspace = Convert.ToString(await seed.ScalarAsync("SELECT id FROM workspaces WHERE slug = 'demo'"), CultureInfo.InvariantCulture)!;
        var city = Convert.ToString(await seed.ScalarAsync("SELECT id FROM attribute_definitions WHERE key = 'city'"), CultureInfo.InvariantCulture)!;
        var ws = seed.Literal(workspace);
        var (series, from, at) = (seed.Series(contacts), seed.From(contacts), seed.At("0"));
        var statements = new[]
        {
            $"{series}INSERT INTO contacts (id, workspace_id, customer_id, phone, wa_id, display_name, created_at, updated_at) " +
                $"SELECT {seed.Id("i")}, {ws}, {seed.CustomerId()}, '+49152' || (10000000 + i), '49152' || (10000000 + i), CASE WHEN i % 5 = 0 THEN NULL ELSE 'Kundin ' || i END, {at}, {at} {from}",
            $"{series}INSERT INTO contact_attribute_values (contact_id, attribute_id, workspace_id, text_value) SELECT {seed.Id("i")}, {seed.Literal(city)}, {ws}, CASE i % 3 WHEN 0 THEN 'Köln' WHEN 1 THEN 'Berlin' ELSE 'Bonn' END {from} WHERE i % 4 <> 0",
            $"{series}INSERT INTO contact_list_members (list_id, contact_id, workspace_id, added_at) SELECT CASE WHEN i <= {WarmUp} THEN {seed.Literal(warmList.ToString())} ELSE {seed.Literal(list.ToString())} END, {seed.Id("i")}, {ws}, {at} {from}",
            $"{series}INSERT INTO consent_records (id, workspace_id, contact_id, purpose, granted, channel, source, wording, occurred_at, recorded_at, actor_kind) " +
                $"SELECT {seed.Id("i", 1)}, {ws}, {seed.Id("i")}, 'marketing', {(seed.Sqlite ? "1" : "true")}, 'web', 'import', 'Ja, ich möchte Angebote per WhatsApp.', {at}, {at}, 'system' {from}",
            $"{series}INSERT INTO consent_states (contact_id, purpose, workspace_id, granted, record_id, occurred_at) " +
                $"SELECT {seed.Id("i")}, 'marketing', {ws}, {(seed.Sqlite ? "1" : "true")}, {seed.Id("i", 1)}, {at} {from}",
            seed.Settle,
        };
        foreach (var sql in statements)
        {
            await seed.ExecuteAsync(sql);
        }
    }
}
