using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>The availability control in the header: choosing swaps it in place (htmx) and the choice holds on every page.</summary>
[Collection(BrowserFixture.Collection)]
public sealed class AvailabilityTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AnAgent_GoesOnlineFromTheHeader_AndEveryPageShowsIt()
    {
        var agent = await fixture.Server.AddMemberAsync("agent", "Availability agent");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, agent);
        await page.GotoAsync("/w/demo");
        await Expect(page.Locator("#availability .dot.offline")).ToBeVisibleAsync();

        await page.Locator("#availability select").SelectOptionAsync("online");

        await Expect(page.Locator("#availability .dot.online")).ToBeVisibleAsync();
        Directory.CreateDirectory(BrowserFixture.Screenshots);
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "availability-header.png") });
        await page.GotoAsync("/w/demo/availability");
        await Expect(page.Locator("#availability select")).ToHaveValueAsync("online");
    }
}
