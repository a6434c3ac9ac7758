using System.Net;
using System.Net.Http.Headers;
using Parley.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

[Collection(BrowserFixture.Collection)]
public sealed class ApiKeyTests(BrowserFixture fixture)
{
    [Fact]
    public async Task ApiKey_CreatedByAdmin_IsShownOnceWorksAndDiesWhenRevokedWithoutReload()
    {
        var admin = await fixture.Server.AddMemberAsync("admin", "Key Admin");
        await using var context = await fixture.NewContextAsync();
        var page = await context.NewPageAsync();
        await BrowserFixture.SignInAsync(page, admin);
        await page.GetByText("Administration").ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "API keys" }).ClickAsync();

        var name = $"CRM sync {Guid.NewGuid().ToString("N")[..6]}";
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Role").SelectOptionAsync("viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();

        var secret = (await page.GetByTestId("api-key-secret").TextContentAsync())!.Trim();
        Assert.False(string.IsNullOrWhiteSpace(secret));
        var row = page.Locator("tbody tr", new() { HasText = name });
        await Expect(row).ToContainTextAsync("Viewer");
        Assert.DoesNotContain(secret, await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await GetWorkspaceAsync(secret));

        // Shown once: the list alone never shows it again.
        await page.GotoAsync("/w/demo/api-keys");
        await Expect(page.GetByTestId("api-key-secret")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        // A marker on the window survives an htmx swap but not a page load.
        await page.EvaluateAsync("() => window.parleyNoReload = true");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();

        await Expect(row.Locator(".tag.revoked")).ToHaveTextAsync("revoked");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Revoke" })).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.parleyNoReload === true"), "Revoking reloaded the page.");
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWorkspaceAsync(secret));
    }

    private async Task<HttpStatusCode> GetWorkspaceAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workspace");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await fixture.Server.Http.SendAsync(request);
        return response.StatusCode;
    }
}
