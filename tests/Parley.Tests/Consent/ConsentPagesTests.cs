using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>The consent settings page and a contact's consent page, through the real forms.</summary>
public sealed class ConsentPagesTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task AnAdmin_AddsAWordingVersionAndKeywords_OnTheSettingsPage()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var path = $"/w/{workspace.Slug}/consent";

        var wording = await ParleyApp.PostFormAsync(browser, path, "wording", new() { ["purpose"] = "marketing", ["language"] = "de", ["text"] = "Ja, Angebote per WhatsApp." });
        var keywords = await ParleyApp.PostFormAsync(browser, path, "keywords", new() { ["stop"] = "STOP, Halt", ["start"] = "START" });
        var bad = await ParleyApp.PostFormAsync(browser, path, "purpose", new() { ["key"] = "Bad Key", ["name"] = "x" });

        Assert.Equal(HttpStatusCode.OK, wording.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keywords.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(path));
        Assert.Contains("Ja, Angebote per WhatsApp.", page, StringComparison.Ordinal);
        Assert.Contains("value=\"STOP HALT\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgent_RecordsAWithdrawalOnTheContactsPage_AndAViewerCannot()
    {
        var customer = await App.SandboxCustomerAsync();
        var agent = await App.AddUserAsync(customer.Workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);
        var path = $"/w/{customer.Workspace.Slug}/consent/contact?id={customer.ContactId}";

        var missing = await ParleyApp.PostFormAsync(browser, path, null, new() { ["id"] = customer.ContactId.ToString(), ["purpose"] = "marketing", ["action"] = "withdraw", ["source"] = "agent", ["channel"] = "phone", ["wording"] = "" });
        var recorded = await ParleyApp.PostFormAsync(browser, path, null, new() { ["id"] = customer.ContactId.ToString(), ["purpose"] = "marketing", ["action"] = "withdraw", ["source"] = "agent", ["channel"] = "phone", ["wording"] = "Bitte keine Angebote mehr." });

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        var page = WebUtility.HtmlDecode(await recorded.Content.ReadAsStringAsync());
        Assert.Contains("Bitte keine Angebote mehr.", page, StringComparison.Ordinal);
        var record = await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().SingleAsync(r => r.ContactId == customer.ContactId));
        Assert.Equal(("user", agent.Id, "phone"), (record.ActorKind, record.ActorId, record.Channel));
        Assert.Contains("consent.withdrawn", await App.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().Where(a => a.TargetId == customer.ContactId).Select(a => a.Action).ToListAsync()));
        var overview = await browser.GetStringAsync($"/w/{customer.Workspace.Slug}/consent/contact");
        Assert.Contains($"?id={customer.ContactId}", overview, StringComparison.Ordinal);

        var viewer = await App.AddUserAsync(customer.Workspace.Slug, "viewer");
        var viewerBrowser = App.Browser();
        await ParleyApp.SignInAsync(viewerBrowser, viewer.Email, viewer.Password);
        Assert.Equal(HttpStatusCode.OK, (await viewerBrowser.GetAsync(path)).StatusCode);
        var refused = await ParleyApp.PostFormAsync(viewerBrowser, path, null, new() { ["id"] = customer.ContactId.ToString(), ["purpose"] = "marketing", ["action"] = "grant", ["source"] = "agent", ["wording"] = "x" });
        Assert.Contains("/forbidden", refused.Headers.Location?.OriginalString, StringComparison.Ordinal);
        Assert.Equal(1, await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().CountAsync(r => r.ContactId == customer.ContactId)));
        Assert.Equal(HttpStatusCode.NotFound, (await viewerBrowser.GetAsync($"/w/{customer.Workspace.Slug}/consent/contact?id={Guid.CreateVersion7()}")).StatusCode);
    }
}
