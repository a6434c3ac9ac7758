using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// The team inbox in Chromium against the real Parley process with its built-in sandbox: customers
/// write through the sandbox's control API, agents answer in the browser, and the sandbox's phones show
/// what arrived. Screenshots of the inbox screens land in <c>screenshots/</c>.
/// </summary>
[Collection(BrowserFixture.Collection)]
public sealed class InboxTests(BrowserFixture fixture)
{
    private static string NewCustomer() => "4917" + Random.Shared.NextInt64(100_000_000, 999_999_999);

    private Task CustomerWritesAsync(string from, string name, object message, long? writtenAt = null)
    {
        var body = JsonSerializer.SerializeToNode(message)!.AsObject();
        body["from"] = from;
        body["profileName"] = name;
        if (writtenAt is { } at)
        {
            body["writtenAt"] = at;
        }

        return PostOkAsync("/sandbox/api/inbound", body);
    }

    private async Task PostOkAsync(string path, object body)
    {
        using var response = await fixture.Server.Http.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>What the customer's phone received from the business, waiting up to 15 seconds for <paramref name="until"/>.</summary>
    private async Task<JsonElement> PhoneAsync(string customer, Func<JsonElement, bool> until)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var messages = await fixture.Server.Http.GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}");
            var found = messages.EnumerateArray().Where(m => m.GetProperty("direction").GetString() != "inbound").FirstOrDefault(until);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"The customer's phone did not receive it: {messages}");
            await Task.Delay(200);
        }
    }

    private async Task<IPage> SignedInAsync(IBrowserContext context, string role, string name)
    {
        var person = await fixture.Server.AddMemberAsync(role, name);
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, person);
        return page;
    }

    private static async Task LiveAsync(IPage page) =>
        await Expect(page.Locator("[data-live][data-connected=true]")).ToHaveCountAsync(1);

    [Fact]
    public async Task AnInboundMessage_AppearsLive_AndTheAgentsReplyReachesTheCustomer()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, "agent", "Anna Live");
        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");
        await page.GotoAsync("/w/demo/inbox?view=all");
        await LiveAsync(page);
        var customer = NewCustomer();
        var text = $"Wo ist Paket {customer}?";

        var watch = Stopwatch.StartNew();
        await CustomerWritesAsync(customer, "Lisa Live", new { type = "text", text = new { body = text } });
        await Expect(page.Locator(".conversations li", new() { HasText = text })).ToBeVisibleAsync();
        var appeared = watch.Elapsed;
        Assert.True(appeared < TimeSpan.FromSeconds(3), $"The message took {appeared.TotalMilliseconds:0} ms to appear.");

        await page.Locator(".conversations a", new() { HasText = text }).ClickAsync();
        await Expect(page.Locator("#messages")).ToContainTextAsync(text);
        await LiveAsync(page);
        await page.Locator("#composer-text").FillAsync("Ist morgen da 🚚");
        await page.Locator("#composer button[value=send]").ClickAsync();

        await Expect(page.Locator("#messages li.out")).ToContainTextAsync("Ist morgen da 🚚");
        var received = await PhoneAsync(customer, m => m.GetProperty("message").ToString().Contains("Ist morgen da", StringComparison.Ordinal));
        Assert.Equal("text", received.GetProperty("type").GetString());
        await Expect(page.Locator("#messages li.out .tick").First).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("Sent|Delivered|Read"));

        // The customer answers while the conversation is open: it appears without a reload, once.
        await CustomerWritesAsync(customer, "Lisa Live", new { type = "text", text = new { body = "Danke!" } });
        await Expect(page.Locator("#messages li.in", new() { HasText = "Danke!" })).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "desktop-conversation.png") });
    }

    [Fact]
    public async Task TwoAgents_SeeEachOtherTyping_AndANoteAppearsLiveForTheColleague()
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Paula Presence", new { type = "text", text = new { body = $"Presence {customer}" } });
        await using var first = await fixture.NewContextAsync();
        await using var second = await fixture.NewContextAsync();
        var anna = await SignedInAsync(first, "agent", "Anna Eins");
        var bert = await SignedInAsync(second, "agent", "Bert Zwei");
        await anna.GotoAsync("/w/demo/inbox?view=all");
        await anna.Locator(".conversations a", new() { HasText = $"Presence {customer}" }).ClickAsync();
        await LiveAsync(anna);
        await bert.GotoAsync(anna.Url);
        await LiveAsync(bert);

        await Expect(anna.Locator("[data-presence]")).ToContainTextAsync("Bert Zwei is viewing");
        await bert.Locator("#composer-text").PressSequentiallyAsync("Ich übernehme");
        await Expect(anna.Locator("[data-presence]")).ToContainTextAsync("Bert Zwei is typing");

        await bert.Locator("#composer-text").FillAsync("@Anna Eins kennst du den Kunden?");
        await bert.Locator("#composer button[value=note]").ClickAsync();
        await Expect(anna.Locator("#messages li.note")).ToContainTextAsync("kennst du den Kunden?");
    }

    [Fact]
    public async Task AfterTheWindowCloses_OnlyAnApprovedTemplateCanBeSent()
    {
        var customer = NewCustomer();
        var dayAndMore = TimeProvider.System.GetUtcNow().AddHours(-25).ToUnixTimeSeconds();
        await CustomerWritesAsync(customer, "Otto Offline", new { type = "text", text = new { body = $"Alt {customer}" } }, dayAndMore);
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, "agent", "Tina Template");
        await page.GotoAsync("/w/demo/inbox?view=all");
        await page.Locator(".conversations a", new() { HasText = $"Alt {customer}" }).ClickAsync();

        await Expect(page.Locator("#composer")).ToContainTextAsync("only delivers approved templates");
        await Expect(page.Locator("#composer-text")).ToHaveCountAsync(0);
        await page.Locator("#template-choice").SelectOptionAsync(new SelectOptionValue { Label = "appointment_reminder (de, utility)" });
        var variables = page.Locator("#composer input[name=values]");
        await Expect(variables).ToHaveCountAsync(2);
        await variables.Nth(0).FillAsync("Otto");
        await variables.Nth(1).FillAsync("Montag, 9 Uhr");
        await Expect(page.Locator("[data-template-body]")).ToHaveTextAsync("Hallo Otto, wir erinnern Sie an Ihren Termin am Montag, 9 Uhr.");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "desktop-template.png") });
        await page.Locator("#composer button[type=submit]").ClickAsync();

        var received = await PhoneAsync(customer, m => m.GetProperty("type").GetString() == "template");
        Assert.Contains("Montag, 9 Uhr", received.GetProperty("message").ToString(), StringComparison.Ordinal);
        await Expect(page.Locator("#messages li.out")).ToContainTextAsync("appointment_reminder");
    }

    [Fact]
    public async Task AnAttachment_RoundTrips_BetweenCustomerAndAgent()
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Bea Bild", new { type = "image", image = new { caption = $"Schaden {customer}" } });
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, "agent", "Mia Media");
        await page.GotoAsync("/w/demo/inbox?view=all");
        await page.Locator(".conversations a", new() { HasText = $"Schaden {customer}" }).ClickAsync();
        await LiveAsync(page);

        // The customer's photo is downloaded from WhatsApp and shown inline (live, once stored).
        var image = page.Locator("#messages li.in img.media-image");
        await Expect(image).ToBeVisibleAsync();
        Assert.True(await image.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));

        var pdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"u8.ToArray();
        await page.Locator("#composer input[type=file]").SetInputFilesAsync(new FilePayload { Name = "Angebot.pdf", MimeType = "application/pdf", Buffer = pdf });
        await page.Locator("#composer-text").FillAsync("Unser Angebot");
        await page.Locator("#composer button[value=send]").ClickAsync();

        await Expect(page.Locator("#messages li.out a.document")).ToContainTextAsync("Angebot.pdf");
        var received = await PhoneAsync(customer, m => m.GetProperty("type").GetString() == "document");
        Assert.Contains("Angebot.pdf", received.GetProperty("message").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheInbox_SpeaksGerman()
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Greta Deutsch", new { type = "text", text = new { body = $"Grüß Gott {customer}" } });
        await using var context = await fixture.NewContextAsync("de-DE");
        var page = await SignedInAsync(context, "agent", "Dora Deutsch");

        await page.GotoAsync("/w/demo/inbox?view=all");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Posteingang");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Nicht zugewiesen" })).ToBeVisibleAsync();
        await Expect(page.Locator(".conversations li", new() { HasText = customer })).ToContainTextAsync("Fenster schließt in");
        await page.Locator(".conversations a", new() { HasText = customer }).ClickAsync();
        await Expect(page.Locator("#composer button[value=send]")).ToHaveTextAsync("Senden");
        await Expect(page.Locator(".contact-panel h2").First).ToHaveTextAsync("Kontakt");
    }

    [Fact]
    public async Task KeyboardOnly_FromTheListThroughTheConversationToASentReply()
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Karl Keys", new { type = "text", text = new { body = $"Tastatur {customer}" } });
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, "agent", "Kim Keyboard");
        await page.GotoAsync("/w/demo/inbox?view=all");

        await TabUntilAsync(page, "a[href*='/inbox/']", $"Tastatur {customer}");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#messages")).ToContainTextAsync($"Tastatur {customer}");
        await LiveAsync(page);

        await TabUntilAsync(page, "#composer-text");
        await page.Keyboard.TypeAsync("Per Tastatur beantwortet");
        await page.Keyboard.PressAsync("Control+Enter");
        await Expect(page.Locator("#messages li.out")).ToContainTextAsync("Per Tastatur beantwortet");
        await PhoneAsync(customer, m => m.GetProperty("message").ToString().Contains("Per Tastatur", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACannedReply_IsInsertedBySlashShortcut_WithTheCustomersName()
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Clara Canned", new { type = "text", text = new { body = $"Öffnungszeiten {customer}?" } });
        await using var context = await fixture.NewContextAsync();
        var page = await SignedInAsync(context, "admin", "Ada Admin");
        var shortcut = "oz" + customer[^6..];
        await page.GotoAsync("/w/demo/inbox/settings");
        await page.Locator("input[name=shortcut]").FillAsync(shortcut);
        await page.Locator("textarea[name=body]").FillAsync("Hallo {{contact.name}}, wir haben bis 18 Uhr geöffnet. {{agent.name}}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add canned reply" }).ClickAsync();
        await Expect(page.Locator("table")).ToContainTextAsync($"/{shortcut}");

        await page.GotoAsync("/w/demo/inbox?view=all");
        await page.Locator(".conversations a", new() { HasText = $"Öffnungszeiten {customer}" }).ClickAsync();
        await page.Locator("#composer-text").PressSequentiallyAsync($"/{shortcut[..4]}");
        await Expect(page.Locator("[data-canned]")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#composer-text")).ToHaveValueAsync("Hallo Clara Canned, wir haben bis 18 Uhr geöffnet. Ada Admin");
    }

    [Theory]
    [InlineData("desktop", 1280, 720)]
    [InlineData("phone", 390, 844)]
    public async Task TheInboxScreens_FitTheScreen_AndArrivingMessagesDoNotShiftTheLayout(string size, int width, int height)
    {
        var customer = NewCustomer();
        await CustomerWritesAsync(customer, "Sophie Screen", new { type = "text", text = new { body = $"Layout {customer}" } });
        await CustomerWritesAsync(customer, "Sophie Screen", new { type = "location", location = new { latitude = 52.52, longitude = 13.405, name = "Werkstatt", address = "Berlin" } });
        await using var context = await fixture.NewContextAsync("en-US", width, height);
        var page = await SignedInAsync(context, "supervisor", $"Sven {size}");
        await page.GotoAsync("/w/demo/inbox?view=all");
        await NoOverflowAsync(page, $"{size}-inbox-list");
        await page.Locator(".conversations a", new() { HasText = "Sophie Screen" }).First.ClickAsync();
        await LiveAsync(page);
        await Expect(page.Locator("#messages")).ToContainTextAsync("Werkstatt");
        await NoOverflowAsync(page, $"{size}-inbox-conversation");

        // Layout shift: what is on screen stays where it is while a message arrives.
        var composerTop = await page.Locator("#composer").EvaluateAsync<double>("e => e.getBoundingClientRect().top");
        await page.EvaluateAsync("() => { window.__shift = 0; new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; }).observe({ type: 'layout-shift', buffered: false }); }");
        await CustomerWritesAsync(customer, "Sophie Screen", new { type = "text", text = new { body = "Noch eine Frage" } });
        await Expect(page.Locator("#messages li.in", new() { HasText = "Noch eine Frage" })).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(300);
        var shift = await page.EvaluateAsync<double>("() => window.__shift");
        Assert.True(shift < 0.01, $"Layout shift {shift} when a message arrived at {size} size.");
        if (size == "desktop")
        {
            Assert.Equal(composerTop, await page.Locator("#composer").EvaluateAsync<double>("e => e.getBoundingClientRect().top"), 0.5);
        }

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"{size}-inbox-conversation-after.png"), FullPage = true });
    }

    /// <summary>Presses Tab until the focused element matches the selector (and contains the text).</summary>
    private static async Task TabUntilAsync(IPage page, string selector, string text = "")
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("([s, t]) => (document.activeElement?.matches(s) ?? false) && document.activeElement.textContent.includes(t)", new[] { selector, text }))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}.");
    }

    private static async Task NoOverflowAsync(IPage page, string name)
    {
        Directory.CreateDirectory(BrowserFixture.Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"{name}.png"), FullPage = true });
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{name} is {overflow}px wider than the screen.");
    }
}
