using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>The audit log's filters and its CSV export (API and page), for admins only; consent changes by people are in it.</summary>
public sealed class AuditLogExportTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Filter_ByActionPrefixAndActor_ShowsOnlyThoseEntries()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "withdraw");

        var consent = await api.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?action=consent.&actor=apikey");
        var none = await api.GetFromJsonAsync<JsonElement>($"/api/v1/audit-log?action=consent.&to={App.Clock.GetUtcNow().UtcDateTime.AddDays(-1):O}");
        var bad = await api.GetAsync("/api/v1/audit-log?actor=robot");

        Assert.Equal(["consent.withdrawn", "consent.granted"], consent.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Export_IsCsvOfTheFilteredLog_AndIsItselfAudited()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "surveys", "grant");
        await App.CreateKeyAsync(customer.Workspace.Slug, "agent");

        var all = await api.GetAsync("/api/v1/audit-log/export");
        var consentOnly = await api.GetStringAsync("/api/v1/audit-log/export?action=consent.");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/csv", all.Content.Headers.ContentType?.MediaType);
        var lines = (await all.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("at,actor_kind,actor_id,actor,action,target_kind,target_id,ip_address,details", lines[0]);
        Assert.Contains(lines, l => l.Contains(",consent.granted,contact," + customer.ContactId, StringComparison.Ordinal) && l.Contains("admin key", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",workspace.created,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",apikey.created,", StringComparison.Ordinal));
        var consentLines = consentOnly.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, consentLines.Length);
        var log = await api.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?action=audit_log.");
        Assert.Equal(2, log.GetProperty("items").GetArrayLength());
        Assert.Equal("action=consent.", log.GetProperty("items")[0].GetProperty("details").GetString());
    }

    [Fact]
    public async Task Export_EscapesCellsASpreadsheetWouldRunAsFormulas()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/api-keys", new { name = "=HYPERLINK(\"http://evil.test\")", role = "agent" });
        response.EnsureSuccessStatusCode();

        var csv = await App.Api(workspace.AdminKey).GetStringAsync("/api/v1/audit-log/export?action=apikey.");

        Assert.Contains("HYPERLINK", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"=HYPERLINK", csv, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("supervisor")]
    [InlineData("marketer")]
    public async Task Export_IsForAdminsOnly(string role)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var key = await App.CreateKeyAsync(workspace.Slug, role);

        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(key).GetAsync("/api/v1/audit-log/export")).StatusCode);
    }

    [Fact]
    public async Task ThePage_FiltersAndExports()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "appointments", "grant");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, customer.Workspace.Owner.Email, customer.Workspace.Owner.Password);

        var page = await browser.GetStringAsync($"/w/{customer.Workspace.Slug}/audit-log?action=consent.");
        var export = await browser.GetAsync($"/w/{customer.Workspace.Slug}/audit-log?handler=export&action=consent.");

        Assert.Contains("consent.granted", page, StringComparison.Ordinal);
        Assert.DoesNotContain("workspace.created", page, StringComparison.Ordinal);
        Assert.Contains("handler=export", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.Contains("consent.granted", await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var agent = await App.AddUserAsync(customer.Workspace.Slug, "agent");
        var agentBrowser = App.Browser();
        await ParleyApp.SignInAsync(agentBrowser, agent.Email, agent.Password);
        Assert.NotEqual(HttpStatusCode.OK, (await agentBrowser.GetAsync($"/w/{customer.Workspace.Slug}/audit-log?handler=export")).StatusCode);
    }
}
