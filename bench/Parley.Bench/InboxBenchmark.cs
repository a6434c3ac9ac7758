using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Parley.Bench;

/// <summary>
/// The team inbox at scale: 100,000 contacts with a conversation each and 1,000,000 messages (ten per
/// conversation, texts from a set of everyday sentences plus an order number per conversation) written
/// straight into the database — through the tables' triggers, so the change feed and the search indexes
/// fill as in real traffic. Then a signed-in admin's browser session asks for the pages agents use, one
/// request at a time over loopback: the conversation list (all, and the open ones of nobody), a page
/// further down the list, search for a rare and a common term, and conversation pages. Prints p50 and p95
/// per page against the 50 ms target.
/// </summary>
internal static partial class InboxBenchmark
{
    private static readonly string[] Sentences =
    [
        "Hallo, wann kommt mein Paket an?", "Vielen Dank für Ihre Nachricht, wir kümmern uns darum.", "Die Rechnung ist leider falsch.",
        "Können Sie mir einen Termin am Montag geben?", "Ihr Auto ist fertig und kann abgeholt werden.", "Ich möchte meine Bestellung stornieren.",
        "Das Gerät funktioniert nicht mehr richtig.", "Gerne, ich schicke Ihnen die Unterlagen per E-Mail.", "Wie sind Ihre Öffnungszeiten am Samstag?",
        "Die Lieferung war beschädigt, bitte um Ersatz.", "Super, danke für die schnelle Hilfe!", "Wir haben Ihre Rücksendung erhalten.",
    ];

    public static async Task RunAsync(int conversations, string? postgres)
    {
        using var parley = await ParleyServer.StartAsync(postgres);
        var watch = Stopwatch.StartNew();
        await using (var db = await parley.OpenDatabaseAsync(write: true))
        {
            await FillAsync(new SqlSeed(db), conversations);
        }

        Console.WriteLine($"filled            {conversations:N0} contacts and conversations, {conversations * 10:N0} messages in {watch.Elapsed.TotalSeconds:N0} s");

        var password = await parley.CommandAsync("user", "create", "--workspace", "demo", "--email", "bench@parley.test", "--role", "admin", "--name", "Bench Admin");
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri(parley.Url) };
        var token = Token().Match(await browser.GetStringAsync("/signin")).Groups[1].Value;
        var signedIn = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = "bench@parley.test",
            ["password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in failed: {signedIn.StatusCode}");
        }

        var list = await browser.GetStringAsync("/w/demo/inbox?view=all&status=open");
        var older = OlderLink().Match(list).Groups[1].Value.Replace("&amp;", "&", StringComparison.Ordinal);
        var random = new Random(42);
        var pages = new (string Name, Func<string> Path)[]
        {
            ("list: all open", () => "/w/demo/inbox?view=all&status=open"),
            ("list: unassigned", () => "/w/demo/inbox?view=unassigned&status=open"),
            ("list: resolved", () => "/w/demo/inbox?view=all&status=resolved"),
            ("list: second page", () => "/w/demo/inbox" + older),
            ("search: order no.", () => $"/w/demo/inbox?view=all&status=open&q=B-{random.Next(1, conversations + 1)}7"),
            ("search: name", () => $"/w/demo/inbox?view=all&status=open&q=Kunde%20{random.Next(1, conversations + 1)}"),
            ("search: common", () => "/w/demo/inbox?view=all&status=open&q=Rechnung"),
            ("conversation", () => $"/w/demo/inbox/{ConversationId(random.Next(1, conversations + 1))}"),
        };
        Console.WriteLine($"{"page",-20} {"p50",8} {"p95",8}  (target p95 < 50 ms; 200 requests after 20 to warm up)");
        foreach (var (name, path) in pages)
        {
            var times = new List<double>();
            for (var i = 0; i < 220; i++)
            {
                var timer = Stopwatch.StartNew();
                using var response = await browser.GetAsync(path());
                await response.Content.ReadAsByteArrayAsync();
                timer.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{name}: {(int)response.StatusCode} for {response.RequestMessage?.RequestUri}");
                }

                if (i >= 20)
                {
                    times.Add(timer.Elapsed.TotalMilliseconds);
                }
            }

            times.Sort();
            Console.WriteLine($"{name,-20} {Percentile(times, 0.50),5:N1} ms {Percentile(times, 0.95),5:N1} ms");
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];

    /// <summary>The id the fill gives conversation <paramref name="n"/> (kind 1 in <see cref="SqlSeed.Id"/>).</summary>
    private static string ConversationId(int n) => $"00000000-0000-7000-8100-{n:X12}".ToLowerInvariant();

    private static async Task FillAsync(SqlSeed seed, int conversations)
    {
        var workspace = Convert.ToString(await seed.ScalarAsync("SELECT id FROM workspaces WHERE slug = 'demo'"), CultureInfo.InvariantCulture)!;
        var number = Convert.ToString(await seed.ScalarAsync("SELECT id FROM whatsapp_numbers LIMIT 1"), CultureInfo.InvariantCulture)!;
        var ws = seed.Literal(workspace);
        var messages = conversations * 10L;
        var sentences = string.Join(" ", Sentences.Select((text, n) => $"WHEN {n} THEN '{text}'"));

        // Conversation i's messages are i minutes in, ten seconds apart; its first message names its order.
        var c = "((i - 1) / 10 + 1)";
        var j = "((i - 1) % 10)";
        var body = $"CASE WHEN {j} = 0 THEN 'Bestellung B-' || {c} || '7: ' ELSE '' END || CASE (i * 7) % {Sentences.Length} {sentences} END";
        var json = seed.Sqlite ? $"json_object('body', {body})" : $"json_build_object('body', {body})::text";
        var status = "CASE WHEN i % 10 < 7 THEN 'Open' WHEN i % 10 < 8 THEN 'Pending' ELSE 'Resolved' END";
        string[] statements =
        [
            $"{seed.Series(conversations)}INSERT INTO contacts (id, workspace_id, customer_id, wa_id, phone, profile_name, display_name, last_inbound_at, created_at, updated_at) "
                + $"SELECT {seed.Id("i")}, {ws}, {seed.CustomerId()}, '49160' || (10000000 + i), '+49160' || (10000000 + i), 'Kunde ' || i, NULL, {seed.At("i * 60")}, {seed.At("0")}, {seed.At("0")} {seed.From(conversations)}",
            $"{seed.Series(conversations)}INSERT INTO conversations (id, workspace_id, contact_id, whatsapp_number_id, status, last_inbound_at, last_message_at, created_at, updated_at, unread_count) "
                + $"SELECT {seed.Id("i", 1)}, {ws}, {seed.Id("i")}, {seed.Literal(number)}, {status}, {seed.At("i * 60")}, {seed.At("i * 60 + 9")}, {seed.At("i * 60")}, {seed.At("i * 60 + 9")}, 0 {seed.From(conversations)}",
            $"{seed.Series(messages)}INSERT INTO messages (id, workspace_id, conversation_id, direction, provider_message_id, type, content, status, created_at, purpose) "
                + $"SELECT {seed.Id("i", 2)}, {ws}, {seed.Id(c, 1)}, CASE WHEN {j} % 2 = 0 THEN 'Inbound' ELSE 'Outbound' END, 'wamid.bench' || i, 'text', {json}, "
                + $"CASE WHEN {j} % 2 = 0 THEN 'Received' ELSE 'Read' END, {seed.At($"{c} * 60 + {j}")}, 'service' {seed.From(messages)}",
            seed.Settle,
        ];
        foreach (var sql in statements)
        {
            await seed.ExecuteAsync(sql);
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*?value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("href=\"(\\?[^\"]*before=[^\"]+)\"")]
    private static partial Regex OlderLink();
}
