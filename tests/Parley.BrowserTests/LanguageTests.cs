using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

[Collection(BrowserFixture.Collection)]
public sealed class LanguageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task GermanBrowser_GetsSignInAndWorkspacePagesInGerman()
    {
        var person = await fixture.Server.AddMemberAsync("admin", "Greta Deutsch");
        await using var context = await fixture.NewContextAsync(locale: "de-DE");
        var page = await context.NewPageAsync();

        await page.GotoAsync("/signin");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Bei Parley anmelden");
        await page.GetByLabel("E-Mail").FillAsync(person.Email);
        await page.GetByLabel("Passwort").FillAsync(person.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();

        await Expect(page).ToHaveURLAsync($"{fixture.Server.BaseUrl}/w/demo/inbox");
        await page.GotoAsync("/w/demo");
        await Expect(page.Locator(".stat", new() { HasText = "Ihre Rolle" })).ToContainTextAsync("Admin");
        await Expect(page.Locator(".stat", new() { HasText = "Aktive API-Schlüssel" })).ToBeVisibleAsync();
        var navigation = page.GetByRole(AriaRole.Navigation, new() { Name = "Arbeitsbereich" });
        await navigation.GetByText("Verwaltung").ClickAsync(); // the settings menu
        foreach (var link in new[] { "Übersicht", "Benutzer", "API-Schlüssel", "Audit-Log" })
        {
            await Expect(navigation.GetByRole(AriaRole.Link, new() { Name = link, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" })).ToBeVisibleAsync();

        await navigation.GetByRole(AriaRole.Link, new() { Name = "Benutzer" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Person hinzufügen" })).ToBeVisibleAsync();
        await Expect(page.Locator("form select[name=role]").First.Locator("option:checked")).ToHaveTextAsync("Agent");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Hinzufügen" })).ToBeVisibleAsync();

        await navigation.GetByText("Verwaltung").ClickAsync();
        await navigation.GetByRole(AriaRole.Link, new() { Name = "API-Schlüssel" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Neuen Schlüssel erstellen" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task EnglishChosenOnAccountPage_WinsOverGermanBrowser()
    {
        var person = await fixture.Server.AddMemberAsync("agent", "Erik English");
        await using var context = await fixture.NewContextAsync(locale: "de-DE");
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, person);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Übersicht" })).ToBeVisibleAsync();

        await page.GotoAsync("/account");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Ihr Konto");
        await page.GetByLabel("Sprache der Oberfläche").SelectOptionAsync("en");
        await page.GetByRole(AriaRole.Button, new() { Name = "Speichern" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your account");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(page.GetByLabel("Language of the interface")).ToHaveValueAsync("en");

        await page.GotoAsync("/w/demo");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(page.Locator(".stat", new() { HasText = "Your role" })).ToContainTextAsync("Agent");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }
}
