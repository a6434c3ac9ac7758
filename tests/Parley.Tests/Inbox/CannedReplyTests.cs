using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Inbox;

public sealed class CannedReplyTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task CannedReplies_AreManagedThroughTheApi_WithPreciseErrors()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);

        var bad = await api.PostAsJsonAsync("/api/v1/canned-replies", new { shortcut = "Öffnungs zeiten", body = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("shortcut", out _));
        var created = await api.PostAsJsonAsync("/api/v1/canned-replies", new { shortcut = "/hours", body = "Hallo {{contact.name}}, bis 18 Uhr. {{agent.name}}" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync("/api/v1/canned-replies", new { shortcut = "hours", body = "y" })).StatusCode);

        var patched = await api.PatchAsJsonAsync($"/api/v1/canned-replies/{id}", new { body = "Hallo {{contact.name}}, bis 20 Uhr. {{agent.name}}" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/canned-replies");
        Assert.Equal("hours", Assert.Single(list.EnumerateArray()).GetProperty("shortcut").GetString());
        Assert.Contains("20 Uhr", list[0].GetProperty("body").GetString(), StringComparison.Ordinal);

        var agentKey = await App.CreateKeyAsync(workspace.Slug, "agent");
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(agentKey).PostAsJsonAsync("/api/v1/canned-replies", new { shortcut = "x", body = "y" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.Api(agentKey).GetAsync("/api/v1/canned-replies")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/canned-replies/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/v1/canned-replies/{id}")).StatusCode);
    }

    [Fact]
    public async Task TheComposer_OffersCannedRepliesWithTheNamesFilledIn()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "5" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "4917000000077", $"wamid.{Guid.NewGuid():N}", "Hallo", App.Clock.GetUtcNow(), "Erika Mustermann"));
        await App.WaitForWebhooksAsync();
        var conversation = (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/inbox/settings");

        var added = await browser.PostAsync($"/w/{workspace.Slug}/inbox/settings?handler=reply", InboxTests.Form(token, ("shortcut", "hi"), ("body", "Guten Tag {{contact.name}}, hier ist {{agent.name}}.")));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);

        var page = WebUtility.HtmlDecode(await browser.GetStringAsync($"/w/{workspace.Slug}/inbox/{conversation}"));
        Assert.Contains("data-canned-text=\"Guten Tag Erika Mustermann, hier ist owner person.\"", page, StringComparison.Ordinal);
    }
}
