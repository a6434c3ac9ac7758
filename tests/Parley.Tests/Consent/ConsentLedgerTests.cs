using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>The append-only ledger through <c>/api/v1/contacts/{id}/consent</c>, purposes and wordings.</summary>
public sealed class ConsentLedgerTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task GrantThenWithdrawal_AreBothKept_AndTheLatestIsTheCurrentState()
    {
        var customer = await App.SandboxCustomerAsync();
        var key = customer.Workspace.AdminKey;

        var granted = await App.RecordConsentAsync(key, customer.ContactId, "marketing", "grant");
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        var withdrawn = await App.RecordConsentAsync(key, customer.ContactId, "marketing", "withdraw", wording: "Customer asked on the phone to stop offers.", source: "agent");

        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        Assert.Equal(HttpStatusCode.Created, withdrawn.StatusCode);
        var consent = await App.ConsentOfAsync(key, customer.ContactId);
        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(consent, "marketing"));
        Assert.Equal("none", ConsentTestExtensions.StateOf(consent, "surveys"));
        var history = consent.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["withdrawn", "granted"], history.Select(h => h.GetProperty("action").GetString()));
        Assert.Equal("I agree to receive offers by WhatsApp.", history[1].GetProperty("wording").GetString());
        Assert.Equal(("web_form", "form-4711", "apikey"), ("web_form", history[1].GetProperty("evidence").GetString(), history[1].GetProperty("actorKind").GetString()));
        Assert.Equal("agent", history[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task AnOlderStatement_IsKept_ButDoesNotOverrideANewerOne()
    {
        var customer = await App.SandboxCustomerAsync();
        var key = customer.Workspace.AdminKey;

        await App.RecordConsentAsync(key, customer.ContactId, "marketing", "withdraw");
        var late = await App.RecordConsentAsync(key, customer.ContactId, "marketing", "grant", source: "paper", occurredAt: App.Clock.GetUtcNow().UtcDateTime.AddDays(-3));

        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        var consent = await App.ConsentOfAsync(key, customer.ContactId);
        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(consent, "marketing"));
        Assert.Equal(2, consent.GetProperty("history").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"purpose":"marketing","action":"grant","wording":"Ja, bitte."}""", "source")]
    [InlineData("""{"purpose":"marketing","action":"grant","source":"api"}""", "wording")]
    [InlineData("""{"purpose":"marketing","action":"grant","source":"api","wording":"  "}""", "wording")]
    [InlineData("""{"purpose":"marketing","action":"grant","source":"keyword","wording":"x"}""", "source")]
    [InlineData("""{"purpose":"lottery","action":"grant","source":"api","wording":"x"}""", "purpose")]
    [InlineData("""{"purpose":"marketing","action":"maybe","source":"api","wording":"x"}""", "action")]
    [InlineData("""{"purpose":"marketing","action":"grant","source":"api","wording":"x","channel":"pigeon"}""", "channel")]
    [InlineData("""{"purpose":"marketing","action":"grant","source":"api","wording":"x","occurredAt":"2999-01-01T00:00:00Z"}""", "occurredAt")]
    public async Task ARecordWithoutSourceOrWording_OrOtherwiseBad_IsRefusedNamingTheField_AndNothingIsWritten(string body, string field)
    {
        var customer = await App.SandboxCustomerAsync();

        var response = await App.Api(customer.Workspace.AdminKey).PostAsync($"/api/v1/contacts/{customer.ContactId}/consent", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().AnyAsync(r => r.ContactId == customer.ContactId)));
        Assert.False(await App.WithDbAsync(db => db.ConsentStates.IgnoreQueryFilters().AnyAsync(r => r.ContactId == customer.ContactId)));
    }

    [Fact]
    public async Task UnknownContact_Is404()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.RecordConsentAsync(workspace.AdminKey, Guid.CreateVersion7(), "marketing", "grant");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.Api(workspace.AdminKey).GetAsync($"/api/v1/contacts/{Guid.CreateVersion7()}/consent")).StatusCode);
    }

    [Fact]
    public async Task ARecordByAnIntegration_AppearsInTheAuditLog()
    {
        var customer = await App.SandboxCustomerAsync();

        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "surveys", "grant");

        var log = await App.Api(customer.Workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/audit-log");
        var entry = log.GetProperty("items").EnumerateArray().First(e => e.GetProperty("action").GetString() == "consent.granted");
        Assert.Equal(customer.ContactId, entry.GetProperty("targetId").GetGuid());
        Assert.Contains("purpose=surveys", entry.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomPurpose_WithVersionedWordings_RecordsTheVersionThePersonSaw()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);

        var purpose = await api.PostAsJsonAsync("/api/v1/consent/purposes", new { key = "newsletter", name = "Newsletter" });
        var duplicate = await api.PostAsJsonAsync("/api/v1/consent/purposes", new { key = "marketing", name = "Again" });
        var first = await (await api.PostAsJsonAsync("/api/v1/consent/purposes/newsletter/wordings", new { language = "en", text = "Send me the monthly newsletter." })).Content.ReadFromJsonAsync<JsonElement>();
        var second = await (await api.PostAsJsonAsync("/api/v1/consent/purposes/newsletter/wordings", new { language = "en", text = "Send me the newsletter, at most monthly." })).Content.ReadFromJsonAsync<JsonElement>();
        var record = await api.PostAsJsonAsync($"/api/v1/contacts/{customer.ContactId}/consent", new { purpose = "newsletter", action = "grant", source = "web_form", wordingId = first.GetProperty("id").GetGuid() });

        Assert.Equal(HttpStatusCode.Created, purpose.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal((1, 2), (first.GetProperty("version").GetInt32(), second.GetProperty("version").GetInt32()));
        var purposes = await api.GetFromJsonAsync<JsonElement>("/api/v1/consent/purposes");
        var newsletter = purposes.EnumerateArray().Single(p => p.GetProperty("key").GetString() == "newsletter");
        Assert.Equal(2, newsletter.GetProperty("currentWordings")[0].GetProperty("version").GetInt32());
        Assert.Equal(["service", "marketing", "appointments", "surveys", "newsletter"], purposes.EnumerateArray().Select(p => p.GetProperty("key").GetString()));
        var recorded = await record.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, "Send me the monthly newsletter."), (recorded.GetProperty("wordingVersion").GetInt32(), recorded.GetProperty("wording").GetString()));
        Assert.Equal(2, (await api.GetFromJsonAsync<JsonElement>("/api/v1/consent/purposes/newsletter/wordings")).GetArrayLength());
    }

    [Fact]
    public async Task AMarketer_SeesConsent_ButCannotRecordOrConfigureIt()
    {
        var customer = await App.SandboxCustomerAsync();
        var marketer = await App.CreateKeyAsync(customer.Workspace.Slug, "marketer");

        Assert.Equal(HttpStatusCode.OK, (await App.Api(marketer).GetAsync($"/api/v1/contacts/{customer.ContactId}/consent")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.RecordConsentAsync(marketer, customer.ContactId, "marketing", "grant")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(marketer).PostAsJsonAsync("/api/v1/consent/purposes", new { key = "x1", name = "X" })).StatusCode);
        var agent = await App.CreateKeyAsync(customer.Workspace.Slug, "agent");
        Assert.Equal(HttpStatusCode.Created, (await App.RecordConsentAsync(agent, customer.ContactId, "marketing", "grant", source: "agent")).StatusCode);
    }
}
