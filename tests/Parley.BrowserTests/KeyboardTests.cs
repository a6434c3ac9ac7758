using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

[Collection(BrowserFixture.Collection)]
public sealed class KeyboardTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Keyboard_SignsInAndTabsToNavigationWithVisibleFocus()
    {
        var person = await fixture.Server.AddMemberAsync("admin", "Kim Keys");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");

        // The e-mail field has focus on arrival; Tab moves to the password, Enter submits.
        await Expect(page.GetByLabel("E-mail")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(person.Email);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(person.Password);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");

        // Skip link first, then the brand, then the workspace navigation in order, every stop visibly focused;
        // Enter opens the administration menu and Tab walks through it.
        List<string> stops = [];
        async Task TabAsync()
        {
            await page.Keyboard.PressAsync("Tab");
            var name = await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()");
            Assert.True(await FocusIsVisibleAsync(page), $"Focus on '{name}' is not visible.");
            stops.Add(name);
        }

        for (var i = 0; i < 8; i++)
        {
            await TabAsync();
        }

        Assert.Equal(["Skip to content", "Parley", "Inbox", "Overview", "Contacts", "Templates", "Campaigns", "Administration"], stops);
        await page.Keyboard.PressAsync("Enter");
        for (var i = 0; i < 10 && stops[^1] != "Audit log"; i++)
        {
            await TabAsync();
        }

        Assert.Equal("Users", stops[8]);
        Assert.Contains("API keys", stops);
        Assert.Equal("Audit log", stops[^1]);

        // Enter on a focused link follows it.
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/audit-log");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Audit log");
    }

    [Fact]
    public async Task SkipLink_AppearsOnFocusAndMovesToTheContent()
    {
        var person = await fixture.Server.AddMemberAsync("agent", "Sam Skip");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, person);

        await page.Keyboard.PressAsync("Tab");
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox#main");
    }

    /// <summary>The focused element matches :focus-visible and draws an outline (or a box shadow) around itself.</summary>
    private static Task<bool> FocusIsVisibleAsync(IPage page) => page.EvaluateAsync<bool>(
        """
        () => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
            return element.matches(':focus-visible') && (outline || style.boxShadow !== 'none');
        }
        """);
}
