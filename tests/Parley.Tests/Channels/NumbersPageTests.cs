using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class NumbersPageTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Admin_ConnectsANumberInTheBrowser_AndTheTokenIsNeverShown()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var phoneNumberId = "2" + Random.Shared.NextInt64(1_000_000_000);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/whatsapp");

        var response = await browser.PostAsync($"/w/{workspace.Slug}/whatsapp?handler=connect", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["phoneNumberId"] = phoneNumberId,
            ["wabaId"] = "102290129340398",
            ["displayPhoneNumber"] = "+49 89 7654321",
            ["accessToken"] = "EAAG-very-secret-token",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await browser.GetStringAsync($"/w/{workspace.Slug}/whatsapp");
        Assert.Contains(phoneNumberId, page, StringComparison.Ordinal);
        Assert.DoesNotContain("EAAG-very-secret-token", page, StringComparison.Ordinal);
        var listed = await App.Api(workspace.AdminKey).GetStringAsync("/api/v1/channels/whatsapp");
        Assert.Contains(phoneNumberId, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("EAAG-very-secret-token", listed, StringComparison.Ordinal);
        var stored = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers), n => n.PhoneNumberId == phoneNumberId));
        Assert.DoesNotContain("EAAG-very-secret-token", stored.AccessTokenProtected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_ChangesThroughputAndToken_OnThePage_AndABadThroughputSaysTheLimits()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var id = await App.ConnectNumberAsync(workspace, "4" + Random.Shared.NextInt64(1_000_000_000));
        var before = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers), n => n.Id == id));
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/whatsapp");
        FormUrlEncodedContent Form(string throughput, string accessToken) => new(new Dictionary<string, string>
        {
            ["id"] = id.ToString(),
            ["throughput"] = throughput,
            ["accessToken"] = accessToken,
            ["__RequestVerificationToken"] = token,
        });

        var tooFast = await browser.PostAsync($"/w/{workspace.Slug}/whatsapp?handler=settings", Form("5000", ""));
        var saved = await browser.PostAsync($"/w/{workspace.Slug}/whatsapp?handler=settings", Form("250", "EAAG-new-token"));
        var keptToken = await browser.PostAsync($"/w/{workspace.Slug}/whatsapp?handler=settings", Form("300", ""));

        Assert.Equal(HttpStatusCode.BadRequest, tooFast.StatusCode);
        Assert.Contains("between 1 and 1000", await tooFast.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, keptToken.StatusCode);
        var after = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers), n => n.Id == id));
        Assert.Equal(300, after.Throughput);
        Assert.NotEqual(before.AccessTokenProtected, after.AccessTokenProtected);
        var page = await browser.GetStringAsync($"/w/{workspace.Slug}/whatsapp");
        Assert.DoesNotContain("EAAG-new-token", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectingWithAMissingToken_SaysWhatIsNeeded()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/channels/whatsapp", new { phoneNumberId = "123", wabaId = "456", displayPhoneNumber = "+49 30 1" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("whatsapp_business_messaging", problem.GetProperty("errors").GetProperty("accessToken")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameNumberInTwoWorkspaces_IsAConflict_UntilItIsRemoved()
    {
        var first = await App.CreateWorkspaceAsync();
        var second = await App.CreateWorkspaceAsync();
        var phoneNumberId = "1" + Random.Shared.NextInt64(1_000_000_000);
        var id = await App.ConnectNumberAsync(first, phoneNumberId);
        var body = new { phoneNumberId, wabaId = "1", displayPhoneNumber = "+49 30 2", accessToken = "t" };

        Assert.Equal(HttpStatusCode.Conflict, (await App.Api(second.AdminKey).PostAsJsonAsync("/api/v1/channels/whatsapp", body)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await App.Api(first.AdminKey).DeleteAsync($"/api/v1/channels/whatsapp/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await App.Api(second.AdminKey).PostAsJsonAsync("/api/v1/channels/whatsapp", body)).StatusCode);
    }
}
