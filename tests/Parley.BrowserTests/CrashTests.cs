using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.BrowserTests.Infrastructure;
using Parley.Channels.WhatsApp;
using Xunit.Abstractions;

namespace Parley.BrowserTests;

/// <summary>Runs alone: it measures nothing, but it kills processes and wants the machine's cores to itself.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashCollection
{
    public const string Name = "Crash";
}

/// <summary>
/// Jepsen-style "set" check of the WhatsApp channel: the standalone sandbox plays Meta (customers write in,
/// webhooks are signed and retried with backoff while Parley is down), the business sends replies through
/// the API, and Parley is killed with SIGKILL at random moments and restarted on the same port and data.
/// Afterwards every webhook the sandbox got a 200 for is stored exactly once, every send the API accepted
/// is recorded once with its outcome, and no customer received any Parley message twice.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashTests(ITestOutputHelper log)
{
    private const string AppSecret = "crash-test-app-secret";
    /// <summary>Five by default; <c>PARLEY_CRASH_KILLS=30</c> makes a longer soak of the same test.</summary>
    private static readonly int Kills = int.TryParse(Environment.GetEnvironmentVariable("PARLEY_CRASH_KILLS"), CultureInfo.InvariantCulture, out var kills) && kills > 0 ? kills : 5;

    private const int Customers = 120;

    /// <summary>Parley's shortest reconcile window: a send lost in a kill is failed "Outcome unknown" after it, unless a status names it.</summary>
    private static readonly TimeSpan ReconcileWindow = TimeSpan.FromSeconds(30);

    /// <summary>How long everything may take to settle after the last restart: the window, its check, and the sandbox's backoff.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(90);

    private sealed record Inbound(string Wamid, string From, string Text);

    private sealed record Accepted(Guid MessageId, string WaId, string Text);

    private sealed record StoredInbound(string Wamid, string WaId, string PhoneNumberId, string Content);

    private sealed record StoredOutbound(Guid Id, string? Wamid, string Status, string? ErrorTitle, string WaId, string? OutboxState, string Content);

    private sealed record Received(string Wamid, string WaId, string? CallbackData);

    [Fact]
    public async Task KilledRepeatedlyUnderLoad_ParleyStoresEveryAcknowledgedWebhookOnce_AndRecordsEveryAcceptedSendOnce()
    {
        var watch = Stopwatch.StartNew();
        var seed = Random.Shared.Next();
        var random = new Random(seed);
        log.WriteLine($"seed {seed}");

        var port = KillableParley.PortBelowEphemeralRange();
        await using var sandbox = await SandboxServer.StartAsync(
            $"--Sandbox:WebhookUrl=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/webhooks/whatsapp",
            $"--Sandbox:AppSecret={AppSecret}",
            "--Sandbox:ReadDelay=-00:00:01", // sent and delivered; fewer webhooks to drain
            "--Sandbox:DuplicateRate=0.05", // Meta delivers at least once
            "--Sandbox:RetryFor=01:00:00");
        var number = (await sandbox.Http.GetFromJsonAsync<JsonElement>("/sandbox/api/numbers"))[0];
        var phoneNumberId = number.GetProperty("phoneNumberId").GetString()!;

        await using var parley = new KillableParley(port, new Dictionary<string, string>
        {
            ["Parley__Demo"] = "false",
            ["Sandbox__Enabled"] = "false",
            ["WhatsApp__AppSecret"] = AppSecret,
            ["WhatsApp__GraphBaseUrl"] = $"{sandbox.BaseUrl}/sandbox/graph",
            ["WhatsApp__ReconcileWindow"] = ReconcileWindow.ToString("c", CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await parley.RunCommandAsync("workspace", "create", "--slug", "crash", "--name", "Crash test");
        var key = (await parley.RunCommandAsync("apikey", "create", "--workspace", "crash", "--role", "admin", "--name", "Crash test")).TrimEnd().Split('\n')[^1].Trim();
        parley.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await parley.StartAsync();
        using (var connected = await parley.Http.PostAsJsonAsync("/api/v1/channels/whatsapp", new
        {
            phoneNumberId,
            wabaId = number.GetProperty("wabaId").GetString(),
            displayPhoneNumber = number.GetProperty("displayPhoneNumber").GetString(),
            accessToken = number.GetProperty("accessToken").GetString(),
        }))
        {
            Assert.True(connected.StatusCode == HttpStatusCode.Created, $"Connecting the sandbox number: {(int)connected.StatusCode} {await connected.Content.ReadAsStringAsync()}");
        }

        // --- load, while a nemesis kills Parley --------------------------------------------------------
        var generated = new ConcurrentBag<Inbound>();
        var accepted = new ConcurrentBag<Accepted>();
        var conversations = new ConcurrentDictionary<string, Guid>(); // customer wa_id → conversation
        var inFlightAtKills = new HashSet<Guid>();
        var (sendsTried, sendsUnanswered) = (0, 0);
        var sendsRefused = new ConcurrentDictionary<int, int>(); // status code → count
        var load = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();

        async Task CustomersWriteAsync(int worker)
        {
            var sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                var customer = Random.Shared.Next(Customers);
                var from = $"4915{(customer + 1).ToString("D8", CultureInfo.InvariantCulture)}";
                var text = $"crash inbound {worker}-{sequence++}";
                using var response = await sandbox.Http.PostAsJsonAsync("/sandbox/api/inbound", new { from, profileName = $"Customer {customer}", type = "text", text = new { body = text } });
                response.EnsureSuccessStatusCode(); // the sandbox never goes down
                var result = await response.Content.ReadFromJsonAsync<JsonElement>();
                generated.Add(new Inbound(result.GetProperty("id").GetString()!, from, text));
                await Task.Delay(100);
            }
        }

        async Task FindConversationsAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var page = await parley.Http.GetFromJsonAsync<JsonElement>("/api/v1/conversations?limit=200");
                    foreach (var item in page.GetProperty("items").EnumerateArray())
                    {
                        conversations[item.GetProperty("contact").GetProperty("waId").GetString()!] = item.GetProperty("id").GetGuid();
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
                {
                    // Parley is down or died mid-answer; try again shortly.
                }

                await Task.Delay(500);
            }
        }

        async Task BusinessRepliesAsync(int worker)
        {
            var sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                var known = conversations.ToArray();
                if (known.Length == 0)
                {
                    await Task.Delay(100);
                    continue;
                }

                var (waId, conversationId) = known[Random.Shared.Next(known.Length)];
                var text = $"crash reply {worker}-{sequence++}";
                Interlocked.Increment(ref sendsTried);
                try
                {
                    using var response = await parley.Http.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new { type = "text", text = new { body = text } });
                    if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created)
                    {
                        var queued = await response.Content.ReadFromJsonAsync<JsonElement>();
                        accepted.Add(new Accepted(queued.GetProperty("id").GetGuid(), waId, text));
                    }
                    else
                    {
                        sendsRefused.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
                {
                    // Parley died before it answered (or was down): not accepted.
                    Interlocked.Increment(ref sendsUnanswered);
                }

                await Task.Delay(150);
            }
        }

        var workers = new List<Task> { FindConversationsAsync() };
        workers.AddRange(Enumerable.Range(0, 3).Select(CustomersWriteAsync));
        workers.AddRange(Enumerable.Range(0, 2).Select(BusinessRepliesAsync));
        var downtime = TimeSpan.Zero;
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(3_000, 7_000)));
                if (workers.FirstOrDefault(w => w.IsFaulted) is { } broken)
                {
                    await broken; // a load worker's own failure ends the test with its exception
                }

                await parley.KillAsync();
                var down = Stopwatch.StartNew();

                // Parley is dead, so its database holds still: the sends it had handed over (or was about to)
                // without recording an answer are the ambiguous ones.
                using (var db = parley.OpenDatabase())
                {
                    inFlightAtKills.UnionWith(db.Query("SELECT message_id FROM outbox WHERE state = 'InFlight'", r => Guid.Parse(r.GetString(0))));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1_500)));
                await parley.StartAsync();
                downtime += down.Elapsed;
            }

            await Task.Delay(TimeSpan.FromSeconds(2)); // some load on the last start, too
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        foreach (var worker in workers)
        {
            await worker; // surface a worker's own failure
        }

        load.Stop();

        // --- drain: the sandbox's retries arrive, the outbox empties, ambiguous sends are settled --------
        var drain = Stopwatch.StartNew();
        var wamids = generated.Select(g => g.Wamid).ToHashSet();
        string unsettled;
        while (true)
        {
            using (var db = parley.OpenDatabase())
            {
                var storedInbound = db.Query("SELECT provider_message_id FROM messages WHERE direction = 'Inbound'", r => r.GetString(0)).ToHashSet();
                var missing = wamids.Count(w => !storedInbound.Contains(w));
                var outboxOpen = db.Scalar("SELECT count(*) FROM outbox WHERE state IN ('Pending', 'InFlight')");
                var deliveriesOpen = db.Scalar("SELECT count(*) FROM webhook_deliveries WHERE processed_at IS NULL AND dead_at IS NULL")
                    + db.Scalar($"SELECT count(*) FROM intake.deliveries WHERE id > ({IntakeFile.MovedUpToSql})");
                var notFinal = db.Scalar("SELECT count(*) FROM messages WHERE direction = 'Outbound' AND status NOT IN ('Delivered', 'Read', 'Failed')");
                unsettled = $"{missing} inbound not stored, {outboxOpen} outbox rows pending or in flight, {deliveriesOpen} webhook deliveries unprocessed, {notFinal} sends neither delivered nor failed";
                if (missing + outboxOpen + deliveriesOpen + notFinal == 0)
                {
                    break;
                }
            }

            Assert.True(drain.Elapsed < DrainLimit, $"Not settled {DrainLimit.TotalSeconds} s after the last restart: {unsettled}.\nParley:\n{KillableParley.Tail(parley.Output)}\nSandbox:\n{KillableParley.Tail(sandbox.Output)}");
            await Task.Delay(500);
        }

        drain.Stop();

        // --- check: Parley's database against what the sandbox generated and received -------------------
        List<StoredInbound> inbound;
        List<StoredOutbound> outbound;
        long deliveries, deadLetters, parkedStatuses;
        using (var db = parley.OpenDatabase())
        {
            var thread = """
                FROM messages m
                JOIN conversations v ON v.id = m.conversation_id
                JOIN contacts c ON c.id = v.contact_id
                JOIN whatsapp_numbers n ON n.id = v.whatsapp_number_id
                """;
            inbound = db.Query($"SELECT m.provider_message_id, c.wa_id, n.phone_number_id, m.content {thread} WHERE m.direction = 'Inbound'",
                r => new StoredInbound(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)));
            outbound = db.Query($"SELECT m.id, m.provider_message_id, m.status, m.error_title, c.wa_id, o.state, m.content {thread} LEFT JOIN outbox o ON o.message_id = m.id WHERE m.direction = 'Outbound'",
                r => new StoredOutbound(Guid.Parse(r.GetString(0)), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6)));
            deliveries = db.Scalar("SELECT count(*) FROM webhook_deliveries");
            deadLetters = db.Scalar("SELECT count(*) FROM webhook_deliveries WHERE dead_at IS NOT NULL");
            parkedStatuses = db.Scalar("SELECT count(*) FROM pending_statuses");
        }

        var received = new List<Received>();
        for (var customer = 1; customer <= Customers; customer++)
        {
            var waId = $"4915{customer.ToString("D8", CultureInfo.InvariantCulture)}";
            var phone = await sandbox.Http.GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={waId}");
            received.AddRange(phone.EnumerateArray().Where(m => m.GetProperty("direction").GetString() == "outbound").Select(m => new Received(
                m.GetProperty("id").GetString()!,
                waId,
                m.GetProperty("message").TryGetProperty("biz_opaque_callback_data", out var callback) ? callback.GetString() : null)));
        }

        var problems = new List<string>();

        // Inbound: every message a customer wrote is stored exactly once, in that customer's conversation.
        var inboundByWamid = inbound.GroupBy(m => m.Wamid).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var written in generated)
        {
            var stored = inboundByWamid.GetValueOrDefault(written.Wamid) ?? [];
            if (stored.Count != 1)
            {
                problems.Add($"inbound {written.Wamid} stored {stored.Count} times");
            }
            else if (stored[0].WaId != written.From || stored[0].PhoneNumberId != phoneNumberId || !stored[0].Content.Contains(written.Text, StringComparison.Ordinal))
            {
                problems.Add($"inbound {written.Wamid} is in the wrong conversation or garbled: {stored[0]}");
            }
        }

        problems.AddRange(inbound.Where(m => !wamids.Contains(m.Wamid)).Select(m => $"inbound {m.Wamid} stored but never written by a customer"));

        // Outbound: every accepted send is recorded once, in its conversation, and ends delivered (with the
        // wamid) or failed with a reason; nothing is left queued.
        var outboundById = outbound.GroupBy(m => m.Id).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var send in accepted)
        {
            var stored = outboundById.GetValueOrDefault(send.MessageId) ?? [];
            if (stored.Count != 1)
            {
                problems.Add($"accepted send {send.MessageId} recorded {stored.Count} times");
            }
            else if (stored[0].WaId != send.WaId || !stored[0].Content.Contains(send.Text, StringComparison.Ordinal))
            {
                problems.Add($"accepted send {send.MessageId} is in the wrong conversation or garbled: {stored[0]}");
            }
        }

        foreach (var message in outbound)
        {
            var settled = message switch
            {
                { Status: "Delivered" or "Read", Wamid: not null, OutboxState: "Done" } => true,
                { Status: "Failed", ErrorTitle: { Length: > 0 }, OutboxState: "Failed" } => true,
                _ => false,
            };
            if (!settled)
            {
                problems.Add($"send {message.Id} ended neither delivered with its wamid nor failed with a reason: {message}");
            }
        }

        // The customers' phones: no Parley message arrived twice, each arrival is a Parley message to that
        // customer with the wamid Parley recorded, and what Parley failed as "Outcome unknown" never arrived.
        var receivedByOurId = received.GroupBy(r => Guid.TryParse(r.CallbackData, out var id) ? id : Guid.Empty).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (ourId, arrivals) in receivedByOurId)
        {
            if (ourId == Guid.Empty)
            {
                problems.Add($"{arrivals.Count} message(s) reached customers without Parley's id in biz_opaque_callback_data");
            }
            else if (arrivals.Count > 1)
            {
                problems.Add($"send {ourId} reached the customer {arrivals.Count} times: {string.Join(", ", arrivals.Select(a => a.Wamid))}");
            }
            else if (outboundById.GetValueOrDefault(ourId) is not [var message])
            {
                problems.Add($"a customer received {arrivals[0].Wamid} for Parley message {ourId}, which Parley does not have");
            }
            else if (message.WaId != arrivals[0].WaId || message.Wamid != arrivals[0].Wamid)
            {
                problems.Add($"send {ourId} reached {arrivals[0].WaId} as {arrivals[0].Wamid}, but Parley recorded {message.WaId} / {message.Wamid}");
            }
        }

        foreach (var message in outbound.Where(m => m.Status != "Failed" && !receivedByOurId.ContainsKey(m.Id)))
        {
            problems.Add($"send {message.Id} is {message.Status} in Parley but never reached the customer");
        }

        foreach (var message in outbound.Where(m => m.ErrorTitle == "Outcome unknown" && receivedByOurId.ContainsKey(m.Id)))
        {
            problems.Add($"send {message.Id} is failed \"Outcome unknown\" in Parley but reached the customer");
        }

        if (deadLetters > 0)
        {
            problems.Add($"{deadLetters} webhook deliveries became dead letters");
        }

        if (parkedStatuses > 0)
        {
            problems.Add($"{parkedStatuses} statuses are still parked in pending_statuses though every wamid is known");
        }

        var acceptedIds = accepted.Select(a => a.MessageId).ToHashSet();
        var ambiguous = outbound.Where(m => inFlightAtKills.Contains(m.Id)).ToList();
        var failed = outbound.Where(m => m.Status == "Failed").ToList();
        log.WriteLine($"""
            Crash test: {parley.Kills} kills (SIGKILL), {parley.Starts} starts, Parley down {downtime.TotalSeconds:0.0} s in all; load {load.Elapsed.TotalSeconds:0.0} s, drain {drain.Elapsed.TotalSeconds:0.0} s, total {watch.Elapsed.TotalSeconds:0.0} s
              inbound: {generated.Count} written by {generated.Select(g => g.From).Distinct().Count()} customers, {inbound.Count} stored ({inbound.Select(m => m.Wamid).Distinct().Count()} distinct); {deliveries} webhook deliveries stored, {deadLetters} dead letters
              sends: {sendsTried} tried, {accepted.Count} accepted, {sendsUnanswered} unanswered (Parley down or killed mid-request), refused: {(sendsRefused.IsEmpty ? "none" : string.Join(", ", sendsRefused.Select(r => $"{r.Value}× {r.Key}")))}
                     {outbound.Count} recorded ({outbound.Count(m => !acceptedIds.Contains(m.Id))} of them stored though the caller got no answer), {outbound.Count(m => m.Status is "Delivered" or "Read")} delivered, {failed.Count} failed ({failed.Count(m => m.ErrorTitle == "Outcome unknown")} "Outcome unknown")
                     {received.Count} arrived at customers, {receivedByOurId.Count(r => r.Value.Count > 1)} twice
              ambiguous (in flight at a kill): {ambiguous.Count}, {ambiguous.Count(m => m.Status != "Failed")} reconciled by status webhooks, {ambiguous.Count(m => m.Status == "Failed")} failed "Outcome unknown"
            """);

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join('\n', problems.Take(50))}\nParley:\n{KillableParley.Tail(parley.Output)}");
        Assert.True(generated.Count > 500 && accepted.Count > 100, $"Too little load to prove anything: {generated.Count} inbound, {accepted.Count} accepted sends.");
    }
}
