using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

[Collection(BrowserFixture.Collection)]
public sealed class SignInTests(BrowserFixture fixture)
{
    [Fact]
    public async Task SignIn_WithDemoOwner_LandsOnWorkspaceOverview()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/signin");
        await page.GetByLabel("E-mail").FillAsync(fixture.Server.Owner.Email);
        await page.GetByLabel("Password").FillAsync(fixture.Server.Owner.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");
        await page.GotoAsync("/w/demo");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Demo");
        await Expect(page.Locator(".stat", new() { HasText = "Your role" })).ToContainTextAsync("Owner");
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Workspace" }).GetByRole(AriaRole.Link, new() { Name = "Overview" }))
            .ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator(".account")).ToContainTextAsync("Demo Owner");
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsErrorAndStaysOnSignIn()
    {
        var person = await fixture.Server.AddMemberAsync("agent", "Wrong Password");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/signin");
        await page.GetByLabel("E-mail").FillAsync(person.Email);
        await page.GetByLabel("Password").FillAsync(person.Password + "x");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The e-mail address or the password is wrong.");
        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/signin");
        await Expect(page.GetByLabel("E-mail")).ToHaveValueAsync(person.Email);
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "parley.session");
    }
}
