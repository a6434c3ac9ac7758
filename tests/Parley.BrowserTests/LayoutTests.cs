using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// The main pages at a laptop and a phone size: nothing runs off the side of the screen. The screenshots
/// land in <c>screenshots/</c> next to the test assembly for a person to look at.
/// </summary>
[Collection(BrowserFixture.Collection)]
public sealed class LayoutTests(BrowserFixture fixture)
{
    // German words are longer than English ones, so the phone is also checked in German.
    [Theory]
    [InlineData("desktop", 1280, 720, "en-US")]
    [InlineData("phone", 390, 844, "en-US")]
    [InlineData("phone-de", 390, 844, "de-DE")]
    public async Task MainPages_FitTheScreenWithoutSidewaysScrolling(string size, int width, int height, string locale)
    {
        var person = await fixture.Server.AddMemberAsync("admin", $"Layout {size}");
        await using var context = await fixture.NewContextAsync(locale, width, height);
        var page = await context.NewPageAsync();
        Directory.CreateDirectory(BrowserFixture.Screenshots);

        await OpenAsync(page, "/signin");
        await CheckAsync(page, size, "signin");
        await BrowserFixture.SignInAsync(page, person);
        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");
        await CheckAsync(page, size, "inbox");
        await OpenAsync(page, "/w/demo");
        await CheckAsync(page, size, "overview");

        await OpenAsync(page, "/w/demo/users");
        var add = page.Locator("form[action*='handler=add']");
        await add.Locator("input[name=email]").FillAsync($"layout.{size}.{Guid.NewGuid().ToString("N")[..8]}@example.test");
        await add.Locator("button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("initial-password")).ToBeVisibleAsync();
        await CheckAsync(page, size, "users");

        await OpenAsync(page, "/w/demo/api-keys");
        var create = page.Locator("form[action*='handler=create']");
        await create.Locator("input[name=name]").FillAsync($"Booking system ({size})");
        await create.Locator("button[type=submit]").ClickAsync();
        await Expect(page.GetByTestId("api-key-secret")).ToBeVisibleAsync();
        await CheckAsync(page, size, "api-keys");

        await OpenAsync(page, "/w/demo/whatsapp");
        await CheckAsync(page, size, "whatsapp");
        await OpenAsync(page, "/w/demo/whatsapp/profile");
        await Expect(page.Locator("input[name=about]")).ToBeVisibleAsync();
        await CheckAsync(page, size, "whatsapp-profile");
        await OpenAsync(page, "/w/demo/teams");
        var team = page.Locator("form[action*='handler=create']");
        await team.Locator("input[name=name]").FillAsync($"Werkstatt ({size})");
        await team.Locator("input[name=autoAssign]").CheckAsync();
        await team.Locator("button[type=submit]").ClickAsync();
        await Expect(page.Locator("h2", new() { HasText = $"Werkstatt ({size})" })).ToBeVisibleAsync();
        await CheckAsync(page, size, "teams");
        await OpenAsync(page, "/w/demo/availability");
        await CheckAsync(page, size, "availability");
        await OpenAsync(page, "/w/demo/templates");
        await page.Locator("form[action*='handler=sync'] button").ClickAsync();
        await Expect(page.GetByText("hello_world")).ToBeVisibleAsync();
        await CheckAsync(page, size, "templates");
        await page.Locator("a", new() { HasText = "car_ready" }).First.ClickAsync();
        await Expect(page.Locator("textarea[name=body]")).ToBeVisibleAsync();
        await CheckAsync(page, size, "template");
        await fixture.Server.PostAsync("/api/v1/lists", new { name = $"Newsletter {size}" });
        await OpenAsync(page, "/w/demo/campaigns");
        await page.Locator("input[name=name]").FillAsync($"Frühjahr ({size})");
        await page.Locator("select[name=template]").SelectOptionAsync("spring_offer|de");
        await page.Locator("textarea[name=variables]").FillAsync("1 = {{contact.name|Kundin}}");
        await page.Locator("label.check", new() { HasText = $"Newsletter {size} (" }).Locator("input").CheckAsync();
        await CheckAsync(page, size, "campaigns");
        await page.Locator("form:has(input[name=name]) button[type=submit]").ClickAsync();
        await Expect(page.Locator("h1", new() { HasText = $"Frühjahr ({size})" })).ToBeVisibleAsync();
        await CheckAsync(page, size, "campaign");
        await OpenAsync(page, "/w/demo/retention");
        await CheckAsync(page, size, "retention");
        await OpenAsync(page, "/w/demo/audit-log");
        await CheckAsync(page, size, "audit-log");
        await OpenAsync(page, "/w/demo/consent");
        await CheckAsync(page, size, "consent");
        await OpenAsync(page, "/w/demo/consent/contact");
        await CheckAsync(page, size, "consent-records");
        await OpenAsync(page, "/c/demo");
        await CheckAsync(page, size, "consent-page");
        await OpenAsync(page, "/account");
        await CheckAsync(page, size, "account");
        await OpenAsync(page, "/w/demo/no-such-page", status: 404);
        await CheckAsync(page, size, "not-found");
    }

    private static async Task OpenAsync(IPage page, string path, int status = 200)
    {
        var response = await page.GotoAsync(path);
        Assert.Equal(status, response?.Status);
    }

    private static async Task CheckAsync(IPage page, string size, string name)
    {
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"{size}-{name}.png"), FullPage = true });

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"{name} at {size} size is {overflow}px wider than the screen.");

        // Every button and field stays inside the screen's width, unless it sits in a table that scrolls on its own.
        var outside = await page.EvaluateAsync<string[]>(
            """
            () => [...document.querySelectorAll('button, input:not([type=hidden]), select, a, h1, .notice')]
                .filter(e => !e.closest('.table-wrap') && !e.closest('.visually-hidden') && !e.classList.contains('skip') && e.getClientRects().length > 0)
                .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > document.documentElement.clientWidth + 0.5; })
                .map(e => e.outerHTML.slice(0, 80))
            """);
        Assert.True(outside.Length == 0, $"{name} at {size} size has elements outside the screen:\n{string.Join('\n', outside)}");
    }
}
