using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

[Collection(BrowserFixture.Collection)]
public sealed class UsersTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AddingPerson_ShowsGeneratedPasswordOnce_AndThatPersonCanSignIn()
    {
        var admin = await fixture.Server.AddMemberAsync("admin", "User Admin");
        await using var adminContext = await fixture.NewContextAsync();
        var page = await adminContext.NewPageAsync();
        await BrowserFixture.SignInAsync(page, admin);
        await page.GetByText("Administration").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();

        var email = $"new.agent.{Guid.NewGuid().ToString("N")[..8]}@example.test";
        var form = page.Locator("form", new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }) });
        await form.GetByLabel("E-mail").FillAsync(email);
        await form.GetByLabel("Name").FillAsync("Nora Newcomer");
        await form.GetByLabel("Role").SelectOptionAsync("supervisor");
        await form.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"{email} has been added.");
        var password = (await page.GetByTestId("initial-password").TextContentAsync())!.Trim();
        var row = page.Locator("tbody tr", new() { HasText = email });
        await Expect(row).ToContainTextAsync("Nora Newcomer");
        await Expect(row.GetByRole(AriaRole.Combobox)).ToHaveValueAsync("supervisor");

        await page.GotoAsync("/w/demo/users");
        await Expect(page.GetByTestId("initial-password")).ToHaveCountAsync(0);
        Assert.DoesNotContain(password, await page.ContentAsync(), StringComparison.Ordinal);

        await using var newcomerContext = await fixture.NewContextAsync();
        var newcomer = await newcomerContext.NewPageAsync();
        await BrowserFixture.SignInAsync(newcomer, new Account(email, password));
        await Expect(newcomer).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");
        await newcomer.GotoAsync("/w/demo");
        await Expect(newcomer.Locator(".account")).ToContainTextAsync("Nora Newcomer");
        await Expect(newcomer.Locator(".stat", new() { HasText = "Your role" })).ToContainTextAsync("Supervisor");
        await Expect(newcomer.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
    }
}
