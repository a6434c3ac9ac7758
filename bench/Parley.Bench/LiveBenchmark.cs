using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Channels.WhatsApp;

namespace Parley.Bench;

/// <summary>
/// Live updates measured in Chromium (Debian's, headless): an agent has one customer's conversation
/// open in one tab and the inbox list in another; that customer writes <c>count</c> messages, four a
/// second, while 20 other customers write 100 messages a second between them (all in the list's first page) in the background. For each message
/// the time from the webhook's 200 (taken by the sender) to the moment its text — or, in the list, which
/// shows only the newest, a later one's — is in each tab's DOM (a MutationObserver in the page), both on
/// this machine's wall clock.
/// </summary>
internal static class LiveBenchmark
{
    private const string Observer = """
        () => {
          window.seen = {};
          new MutationObserver(() => {
            const now = Date.now();
            for (const match of document.body.innerText.matchAll(/Live (\d+)/g)) {
              if (!(match[1] in window.seen)) window.seen[match[1]] = now;
            }
          }).observe(document.body, { childList: true, subtree: true, characterData: true });
        }
        """;

    public static async Task RunAsync(int count, string? postgres)
    {
        using var parley = await ParleyServer.StartAsync(postgres);
        var number = (await parley.SandboxNumbersAsync())[0];
        var password = await parley.CommandAsync("user", "create", "--workspace", "demo", "--email", "live@parley.test", "--role", "admin", "--name", "Live Agent");
        using var client = new HttpClient();
        const string customer = "4915100000001";
        await SendAsync(client, parley, number.PhoneNumberId, customer, "wamid.live.first", "Hallo");
        Guid conversation = default;
        for (var i = 0; i < 100 && conversation == default; i++)
        {
            var page = await parley.Api.GetFromJsonAsync<JsonElement>(parley.Url + "/api/v1/conversations");
            conversation = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).FirstOrDefault();
            await Task.Delay(100);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = parley.Url, Locale = "en-US" });
        var signIn = await context.NewPageAsync();
        await signIn.GotoAsync("/signin");
        await signIn.GetByLabel("E-mail").FillAsync("live@parley.test");
        await signIn.GetByLabel("Password").FillAsync(password);
        await signIn.Locator("main button[type=submit]").ClickAsync();
        await signIn.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));

        var tabs = new List<(string Name, IPage Page)>();
        foreach (var (name, path) in new[] { ("conversation page", $"/w/demo/inbox/{conversation}"), ("inbox list", "/w/demo/inbox?view=all") })
        {
            var tab = await context.NewPageAsync();
            await tab.GotoAsync(path);
            await tab.WaitForSelectorAsync("[data-connected=true]");
            await tab.EvaluateAsync(Observer);
            tabs.Add((name, tab));
        }

        using var stop = new CancellationTokenSource();
        var background = new Load(parley.WebhookUrl, Payload.Inbound(number.PhoneNumberId, 20, "4916"));
        var noise = background.RunAsync(TimeSpan.FromSeconds(count / 4.0 + 5), 8, ratePerSecond: 100);
        var acknowledged = new Dictionary<int, long>();
        for (var n = 1; n <= count; n++)
        {
            acknowledged[n] = await SendAsync(client, parley, number.PhoneNumberId, customer, $"wamid.live.{n}", $"Live {n}");
            await Task.Delay(250);
        }

        await Task.Delay(3000);
        await noise;
        Console.WriteLine($"{count} messages from the watched customer at 4/s, 100 msg/s from 20 others; acknowledgement → in the DOM (target p95 < 500 ms)");
        foreach (var (name, tab) in tabs)
        {
            // The list shows a conversation's newest message only: message n is up to date once n or a later one shows.
            var seen = (await tab.EvaluateAsync<Dictionary<string, long>>("() => window.seen"))
                .ToDictionary(s => int.Parse(s.Key, System.Globalization.CultureInfo.InvariantCulture), s => s.Value);
            var latencies = acknowledged.Select(a => seen.Where(s => s.Key >= a.Key).Select(s => (double?)s.Value).Min() is { } at ? Math.Max(0, at - a.Value) : double.PositiveInfinity)
                .Order().ToArray();
            var missing = latencies.Count(double.IsPositiveInfinity);
            Console.WriteLine($"{name,-18} p50 {Load.Percentile(latencies, 0.50),6:N0} ms   p95 {Load.Percentile(latencies, 0.95),6:N0} ms   max {latencies.Where(double.IsFinite).DefaultIfEmpty().Max(),6:N0} ms   never shown {missing}");
        }
    }

    /// <summary>Posts one signed inbound text; returns the wall-clock time (Unix ms) of the 200.</summary>
    private static async Task<long> SendAsync(HttpClient client, ParleyServer parley, string phoneNumberId, string from, string wamid, string text)
    {
        var timestamp = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var body = Encoding.UTF8.GetBytes(
            $$$"""{"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"4930555000","phone_number_id":"{{{phoneNumberId}}}"},"contacts":[{"profile":{"name":"Live Kundin"},"wa_id":"{{{from}}}"}],"messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{timestamp}}}","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, parley.WebhookUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", WebhookSignature.Sign(body, Load.Secret));
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"webhook answered {(int)response.StatusCode}");
        }

        return TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
    }
}
