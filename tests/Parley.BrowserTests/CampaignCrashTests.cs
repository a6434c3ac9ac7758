using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.BrowserTests.Infrastructure;
using Xunit.Abstractions;

namespace Parley.BrowserTests;

/// <summary>
/// A 20,000-recipient campaign over two sandbox numbers at 1,000 msg/s each, with Parley killed (SIGKILL)
/// three times while it sends and started again on the same data. Afterwards every recipient got exactly
/// one message — or, when a kill left the send's outcome unknown and no status ever named it, none and a
/// failure that says so — and the campaign's own counts equal what the sandbox's customers received.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CampaignCrashTests(ITestOutputHelper log)
{
    private const string AppSecret = "campaign-crash-app-secret";
    private const int Kills = 3;

    /// <summary>20,000 by default; <c>PARLEY_CAMPAIGN_CRASH_RECIPIENTS</c> makes it smaller or bigger.</summary>
    private static readonly int Recipients = int.TryParse(Environment.GetEnvironmentVariable("PARLEY_CAMPAIGN_CRASH_RECIPIENTS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 20_000;

    private static readonly TimeSpan ReconcileWindow = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(4);

    private sealed record Sent(Guid MessageId, string WaId, string Status, string? ErrorTitle, string? Wamid, string? OutboxState);

    [Fact]
    public async Task KilledDuringACampaign_EveryRecipientGetsOneMessage_AndTheDashboardEqualsWhatTheSandboxReceived()
    {
        var watch = Stopwatch.StartNew();
        var random = new Random();
        var port = KillableParley.PortBelowEphemeralRange();
        await using var sandbox = await SandboxServer.StartAsync(
            $"--Sandbox:WebhookUrl=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/webhooks/whatsapp",
            $"--Sandbox:AppSecret={AppSecret}",
            "--Sandbox:Throughput=1000",
            "--Sandbox:MessagingLimit=TIER_100K",
            "--Sandbox:ReadDelay=-00:00:01", // sent and delivered; fewer webhooks to drain
            "--Sandbox:RetryFor=01:00:00");
        var numbers = (await sandbox.Http.GetFromJsonAsync<JsonElement>("/sandbox/api/numbers")).EnumerateArray().Take(2).ToList();

        await using var parley = new KillableParley(port, new Dictionary<string, string>
        {
            ["Parley__Demo"] = "false",
            ["Sandbox__Enabled"] = "false",
            ["WhatsApp__AppSecret"] = AppSecret,
            ["WhatsApp__GraphBaseUrl"] = $"{sandbox.BaseUrl}/sandbox/graph",
            ["WhatsApp__ReconcileWindow"] = ReconcileWindow.ToString("c", CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await parley.RunCommandAsync("workspace", "create", "--slug", "shop", "--name", "Campaign crash test");
        var key = (await parley.RunCommandAsync("apikey", "create", "--workspace", "shop", "--role", "admin", "--name", "Campaign crash test")).TrimEnd().Split('\n')[^1].Trim();
        parley.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        parley.Http.Timeout = TimeSpan.FromMinutes(2);
        await parley.StartAsync();
        foreach (var number in numbers)
        {
            await OkAsync(parley.Http.PostAsJsonAsync("/api/v1/channels/whatsapp", new
            {
                phoneNumberId = number.GetProperty("phoneNumberId").GetString(),
                wabaId = number.GetProperty("wabaId").GetString(),
                displayPhoneNumber = number.GetProperty("displayPhoneNumber").GetString(),
                accessToken = number.GetProperty("accessToken").GetString(),
                throughput = 1000,
            }));
        }

        await OkAsync(parley.Http.PostAsync("/api/v1/templates/sync", null));

        // The audience: customers who opted in on a web form, imported with their evidence.
        var csv = new StringBuilder("phone,displayName,consent:marketing,consentSource,consentWording\n");
        for (var i = 0; i < Recipients; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"+4917{i:D8},Kundin {i},yes,web form,Angebote per WhatsApp: ja\n");
        }

        using (var form = new MultipartFormDataContent())
        {
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(file, "file", "contacts.csv");
            form.Add(new StringContent("apply"), "mode");
            var imported = await OkAsync(parley.Http.PostAsync("/api/v1/contacts/import", form));
            Assert.Equal(Recipients, imported.GetProperty("created").GetInt32());
        }

        var segment = await OkAsync(parley.Http.PostAsJsonAsync("/api/v1/segments", new
        {
            name = "Marketing-Einwilligung",
            filter = new { type = "consent", purpose = "marketing", op = "granted" },
        }));
        var planned = await OkAsync(parley.Http.PostAsJsonAsync("/api/v1/campaigns", new
        {
            name = "Winterschlussverkauf",
            template = new { name = "spring_offer", language = "de" },
            variables = new Dictionary<string, string> { ["1"] = "{{contact.name|Kundin}}" },
            audience = new { segments = new[] { segment.GetProperty("id").GetGuid() } },
            numbers = numbers.Select(x => x.GetProperty("phoneNumberId").GetString()),
        }));
        Assert.Equal(Recipients, planned.GetProperty("funnel").GetProperty("toSend").GetInt32());
        var id = planned.GetProperty("id").GetGuid();
        var campaign = $"/api/v1/campaigns/{id}";
        await OkAsync(parley.Http.PostAsync($"{campaign}/start", null));

        // --- kill it while it sends: at about a quarter, half and three quarters -------------------------
        var inFlightAtKills = new HashSet<Guid>();
        var sendStarted = Stopwatch.StartNew();
        for (var kill = 1; kill <= Kills; kill++)
        {
            var mark = Recipients * kill / (Kills + 1);
            while (Queued(parley) < mark)
            {
                Assert.True(sendStarted.Elapsed < DrainLimit, $"Only {Queued(parley)} of {Recipients} queued after {DrainLimit}.\n{KillableParley.Tail(parley.Output)}");
                await Task.Delay(200);
            }

            await Task.Delay(random.Next(0, 1_000));
            log.WriteLine($"{sendStarted.Elapsed.TotalSeconds:0.0} s: kill {kill} at {Queued(parley):N0} queued");
            await parley.KillAsync();
            using (var db = parley.OpenDatabase())
            {
                inFlightAtKills.UnionWith(db.Query("SELECT message_id FROM outbox WHERE state = 'InFlight'", r => Guid.Parse(r.GetString(0))));
            }

            await Task.Delay(random.Next(200, 1_500));
            await parley.StartAsync();
        }

        // --- let it finish: every recipient handed over, every send delivered or failed ------------------
        var drain = Stopwatch.StartNew();
        while (true)
        {
            using (var db = parley.OpenDatabase())
            {
                var pending = db.Scalar("SELECT count(*) FROM campaign_recipients WHERE state = 'Pending'");
                var outboxOpen = db.Scalar("SELECT count(*) FROM outbox WHERE state IN ('Pending', 'InFlight')");
                var notFinal = db.Scalar("SELECT count(*) FROM messages WHERE direction = 'Outbound' AND status NOT IN ('Delivered', 'Read', 'Failed')");
                if (pending + outboxOpen + notFinal == 0)
                {
                    break;
                }

                Assert.True(drain.Elapsed < DrainLimit,
                    $"Not settled {DrainLimit} after the last restart: {pending} recipients pending, {outboxOpen} outbox rows open, {notFinal} sends neither delivered nor failed.\n{KillableParley.Tail(parley.Output)}");
            }

            await Task.Delay(500);
        }

        // --- check: Parley's records against the customers' phones --------------------------------------
        List<Sent> sent;
        long recipients, queued, twice;
        using (var db = parley.OpenDatabase())
        {
            recipients = db.Scalar("SELECT count(*) FROM campaign_recipients");
            queued = db.Scalar("SELECT count(*) FROM campaign_recipients WHERE state = 'Queued'");
            twice = db.Scalar("SELECT count(*) FROM (SELECT contact_id FROM campaign_recipients GROUP BY contact_id HAVING count(*) > 1)");
            sent = db.Query(
                """
                SELECT m.id, c.wa_id, m.status, m.error_title, m.provider_message_id, o.state
                FROM campaign_recipients r
                JOIN messages m ON m.id = r.message_id
                JOIN contacts c ON c.id = r.contact_id
                LEFT JOIN outbox o ON o.message_id = m.id
                """,
                r => new Sent(Guid.Parse(r.GetString(0)), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        }

        var arrivals = (await sandbox.Http.GetFromJsonAsync<JsonElement>("/sandbox/api/messages?direction=outbound")).EnumerateArray()
            .Select(m => (
                Wamid: m.GetProperty("id").GetString()!,
                To: m.GetProperty("message").GetProperty("to").GetString()!,
                OurId: m.GetProperty("message").TryGetProperty("biz_opaque_callback_data", out var ours) && Guid.TryParse(ours.GetString(), out var ourId) ? ourId : Guid.Empty))
            .ToList();
        var arrived = arrivals.GroupBy(a => a.OurId).ToDictionary(g => g.Key, g => g.ToList());
        var byId = sent.ToDictionary(s => s.MessageId);

        var problems = new List<string>();
        if (recipients != Recipients || queued != Recipients || sent.Count != Recipients || twice > 0)
        {
            problems.Add($"{recipients} recipient rows, {queued} queued, {sent.Count} with a message, {twice} contacts with two rows; expected {Recipients} of each and none twice");
        }

        foreach (var (ourId, copies) in arrived)
        {
            if (!byId.TryGetValue(ourId, out var message))
            {
                problems.Add($"{copies.Count} arrival(s) for {ourId}, which is no campaign message of Parley's");
            }
            else if (copies.Count > 1)
            {
                problems.Add($"message {ourId} reached {message.WaId} {copies.Count} times");
            }
            else if (copies[0].To != message.WaId || copies[0].Wamid != message.Wamid)
            {
                problems.Add($"message {ourId} reached {copies[0].To} as {copies[0].Wamid}; Parley recorded {message.WaId} / {message.Wamid}");
            }
        }

        foreach (var message in sent)
        {
            var settled = message switch
            {
                { Status: "Delivered" or "Read", Wamid: not null, OutboxState: "Done" } => arrived.ContainsKey(message.MessageId),
                { Status: "Failed", ErrorTitle: "Outcome unknown" } => !arrived.ContainsKey(message.MessageId),
                { Status: "Failed", ErrorTitle.Length: > 0, OutboxState: "Failed" } => !arrived.ContainsKey(message.MessageId),
                _ => false,
            };
            if (!settled)
            {
                problems.Add($"message {message.MessageId} to {message.WaId} is {message.Status} ({message.ErrorTitle}, outbox {message.OutboxState}) and arrived {arrived.GetValueOrDefault(message.MessageId)?.Count ?? 0} times");
            }
        }

        // The dashboard says what the customers' phones say.
        var dashboard = await OkAsync(parley.Http.GetAsync(campaign));
        var funnel = dashboard.GetProperty("funnel");
        var failed = sent.Count(s => s.Status == "Failed");
        if (dashboard.GetProperty("state").GetString() != "completed"
            || funnel.GetProperty("sent").GetInt32() != arrived.Count
            || funnel.GetProperty("delivered").GetInt32() != arrived.Count
            || funnel.GetProperty("queued").GetInt32() != Recipients
            || dashboard.GetProperty("counts").GetProperty("failed").GetInt32() != failed)
        {
            problems.Add($"dashboard {dashboard.GetProperty("state")} {funnel} failed {dashboard.GetProperty("counts").GetProperty("failed")}; the sandbox received {arrived.Count}, Parley failed {failed}");
        }

        var ambiguous = sent.Where(s => inFlightAtKills.Contains(s.MessageId)).ToList();
        log.WriteLine($"""
            Campaign crash test: {Recipients:N0} recipients, {parley.Kills} kills (SIGKILL), {parley.Starts} starts; sending {sendStarted.Elapsed.TotalSeconds:0} s, settling {drain.Elapsed.TotalSeconds:0} s, total {watch.Elapsed.TotalSeconds:0} s
              arrived at customers: {arrivals.Count:N0} ({arrived.Count(a => a.Value.Count > 1)} twice); delivered in Parley: {sent.Count(s => s.Status is "Delivered" or "Read"):N0}; failed: {failed} ({sent.Count(s => s.ErrorTitle == "Outcome unknown")} "Outcome unknown")
              in flight at a kill: {ambiguous.Count}, {ambiguous.Count(s => s.Status != "Failed")} reconciled by status webhooks, {ambiguous.Count(s => s.Status == "Failed")} failed
              dashboard: {funnel}
            """);
        log.WriteLine(KillableParley.Tail(parley.Output, 3_000));
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join('\n', problems.Take(50))}\nParley:\n{KillableParley.Tail(parley.Output)}");
    }

    private static long Queued(KillableParley parley)
    {
        using var db = parley.OpenDatabase();
        return db.Scalar("SELECT count(*) FROM campaign_recipients WHERE state = 'Queued'");
    }

    private static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }
}
