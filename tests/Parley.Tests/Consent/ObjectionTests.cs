using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Inbox;
using Parley.Tests.Contacts;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>
/// Objection as easy as consent: keywords in real signed webhooks (through the sandbox), WhatsApp's own
/// user_preferences stop/resume, and error 131050 — all written to the ledger without anyone's help.
/// </summary>
public sealed class ObjectionTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Stop_WithdrawsMarketing_AndIsConfirmedThroughTheOutbox()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");

        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "stop");

        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(consent, "marketing"));
        var record = consent.GetProperty("history")[0];
        Assert.Equal(("keyword", "whatsapp", "stop", "system"), (record.GetProperty("source").GetString(), record.GetProperty("channel").GetString(), record.GetProperty("wording").GetString(), record.GetProperty("actorKind").GetString()));
        Assert.StartsWith("WhatsApp message wamid.", record.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        var texts = await Eventually.ObjectAsync(async () => await App.ReceivedTextsAsync(customer.WaId) is { Count: > 0 } t ? t : null);
        Assert.Contains("no longer receive marketing", Assert.Single(texts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopp_IsAnsweredInGerman_AndAnmelden_GrantsMarketingAgain()
    {
        var customer = await App.SandboxCustomerAsync();

        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "STOPP!");
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Anmelden");

        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("granted", ConsentTestExtensions.StateOf(consent, "marketing"));
        Assert.Equal(["granted", "withdrawn"], consent.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()));
        var texts = await Eventually.ObjectAsync(async () => await App.ReceivedTextsAsync(customer.WaId) is { Count: 2 } t ? t : null);
        Assert.StartsWith("Sie erhalten keine Werbenachrichten mehr", texts[0], StringComparison.Ordinal);
        Assert.StartsWith("Sie erhalten wieder Angebote", texts[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeywordInsideASentence_IsNoObjection()
    {
        var customer = await App.SandboxCustomerAsync();

        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Bitte stop the delivery until Monday");

        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().AnyAsync(r => r.ContactId == customer.ContactId)));
    }

    [Fact]
    public async Task ConfiguredKeywords_ReplaceTheDefaults_AndTheirReplyIsUsed()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);

        var set = await api.PutAsJsonAsync("/api/v1/consent/keywords", new { stop = (string[])["halt", "Ende"], start = (string[])["weiter"], stopReply = "Verstanden, keine Werbung mehr." });
        var bad = await api.PutAsJsonAsync("/api/v1/consent/keywords", new { stop = (string[])["two words"], start = (string[])["weiter"] });
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "STOP");
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Halt.");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(["HALT", "ENDE"], (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stop").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("stop", out _));
        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("Halt.", Assert.Single(consent.GetProperty("history").EnumerateArray()).GetProperty("wording").GetString());
        var texts = await Eventually.ObjectAsync(async () => await App.ReceivedTextsAsync(customer.WaId) is { Count: > 0 } t ? t : null);
        Assert.Equal(["Verstanden, keine Werbung mehr."], texts);
    }

    [Fact]
    public async Task AStopDeliveredTwice_IsRecordedAndAnsweredOnce()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "5" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var body = WhatsAppTestExtensions.InboundText(phoneNumberId, "491700000077", "wamid.stop" + phoneNumberId, "UNSUBSCRIBE", App.Clock.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(body)).StatusCode);
        await App.WaitForWebhooksAsync();

        var contactId = await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.WaId == "491700000077" && c.WorkspaceId == db.WhatsAppNumbers.IgnoreQueryFilters().Single(n => n.PhoneNumberId == phoneNumberId).WorkspaceId).Select(c => c.Id).SingleAsync());
        Assert.Equal(1, await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().CountAsync(r => r.ContactId == contactId && !r.Granted)));
        Assert.Equal(1, await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().CountAsync(m => m.Direction == MessageDirection.Outbound
            && db.Conversations.IgnoreQueryFilters().Any(c => c.Id == m.ConversationId && c.ContactId == contactId))));
    }

    [Fact]
    public async Task AQuickReplyButtonLabelledStop_IsAnObjectionToo()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "6" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var body = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"100200300","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"49301234567","phone_number_id":"{{{phoneNumberId}}}"},
              "contacts":[{"profile":{"name":"Erika"},"wa_id":"491700000088"}],
              "messages":[{"from":"491700000088","id":"wamid.button{{{phoneNumberId}}}","timestamp":"{{{App.Clock.GetUtcNow().ToUnixTimeSeconds()}}}","type":"button",
                "context":{"from":"49301234567","id":"wamid.offer"},"button":{"payload":"STOP","text":"Stopp"}}]}}]}]}
            """;

        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(body)).StatusCode);
        await App.WaitForWebhooksAsync();

        var record = await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().SingleAsync(r => db.Contacts.IgnoreQueryFilters().Any(c => c.Id == r.ContactId && c.WaId == "491700000088")));
        Assert.Equal(("marketing", false, "keyword", "Stopp"), (record.Purpose, record.Granted, record.Source, record.Wording));
    }

    [Fact]
    public async Task WhatsAppsUserPreferencesStop_WithdrawsMarketing_AndResumeRestoresOnlyWhatItStopped()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");
        var stranger = "4915" + Random.Shared.Next(10_000_000, 99_999_999);

        await PreferenceAsync(customer.PhoneNumberId, customer.WaId, "stop");
        var afterStop = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        await PreferenceAsync(customer.PhoneNumberId, customer.WaId, "resume");
        await PreferenceAsync(customer.PhoneNumberId, stranger, "resume");

        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(afterStop, "marketing"));
        Assert.Equal("whatsapp_preference", afterStop.GetProperty("history")[0].GetProperty("source").GetString());
        Assert.Equal("User requested to stop marketing messages", afterStop.GetProperty("history")[0].GetProperty("wording").GetString());
        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("granted", ConsentTestExtensions.StateOf(consent, "marketing"));
        Assert.Equal(3, consent.GetProperty("history").GetArrayLength());

        // A resume never creates consent that was not given here.
        Assert.False(await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.WaId == stranger)));
    }

    [Fact]
    public async Task AResume_AfterAKeywordStop_DoesNotOverrideThePersonsOwnWord()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "STOP");

        await PreferenceAsync(customer.PhoneNumberId, customer.WaId, "resume");

        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(consent, "marketing"));
    }

    [Fact]
    public async Task Error131050_FromWhatsApp_IsWrittenToTheLedgerOnce()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");
        (await App.Api(null).PostAsJsonAsync("/sandbox/api/customers", new { waId = customer.WaId, marketingStopped = true })).EnsureSuccessStatusCode();

        var response = await App.Api(customer.Workspace.AdminKey).PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new
        {
            type = "template",
            purpose = "marketing",
            template = new { name = "spring_offer", language = new { code = "de" }, components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Frau Berg" } } } } },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.Id == id && m.ErrorCode == 131050)) ? true : (bool?)null);
        await App.WaitForWebhooksAsync();
        var consent = await App.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("withdrawn", ConsentTestExtensions.StateOf(consent, "marketing"));
        var record = consent.GetProperty("history")[0];
        Assert.Equal("whatsapp_preference", record.GetProperty("source").GetString());
        Assert.Contains(id.ToString(), record.GetProperty("evidence").GetString(), StringComparison.Ordinal);

        // The next marketing send is refused by Parley itself, before WhatsApp is asked.
        var next = await App.Api(customer.Workspace.AdminKey).PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new
        {
            type = "template",
            purpose = "marketing",
            template = new { name = "spring_offer", language = new { code = "de" }, components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Frau Berg" } } } } },
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, next.StatusCode);
        Assert.Equal(2, consent.GetProperty("history").GetArrayLength());
    }

    /// <summary>A user_preferences webhook shaped like WhatsApp's (see the webhook_user_preferences fixture), signed.</summary>
    private async Task PreferenceAsync(string phoneNumberId, string waId, string value)
    {
        var body = $$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"{{phoneNumberId}}"},
              "contacts":[{"profile":{"name":"Test Name"},"wa_id":"{{waId}}"}],
              "user_preferences":[{"wa_id":"{{waId}}","detail":"User requested to {{value}} marketing messages","category":"marketing_messages","value":"{{value}}","timestamp":{{App.Clock.GetUtcNow().ToUnixTimeSeconds()}}}]},
              "field":"user_preferences"}]}]}
            """;
        App.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(body)).StatusCode);
        await App.WaitForWebhooksAsync();
    }

    [Fact]
    public async Task AnErasedPersonsObjection_OutlivesThem_UntilTheyOptInThemselves()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "surveys", "withdraw");
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/contacts/{customer.ContactId}")).StatusCode);
        var workspaceId = await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.Id == customer.ContactId).Select(c => c.WorkspaceId).SingleAsync());
        var csv = $"phone,consent_marketing,consent_source,consent_wording\n+{customer.WaId},granted,old newsletter list,Ja\n+4917100000{Random.Shared.Next(100, 999)},granted,old newsletter list,Ja\n";

        // What is kept: a keyed hash per purpose, never the number.
        var kept = await App.WithDbAsync(db => db.ConsentObjections.IgnoreQueryFilters().Where(o => o.WorkspaceId == workspaceId).ToListAsync());
        Assert.Equal(["marketing", "surveys"], kept.Select(o => o.Purpose).Order());
        Assert.All(kept, o => Assert.Matches("^[0-9a-f]{64}$", o.IdentifierHash));
        Assert.DoesNotContain(kept, o => o.IdentifierHash.Contains(customer.WaId[^8..], StringComparison.Ordinal));

        // An old list imported again: the row is refused with the reason, the other row is applied.
        var (_, imported) = await api.ImportAsync(csv, mode: "apply");
        var problem = Assert.Single(imported.GetProperty("problems").EnumerateArray());
        Assert.Equal((2, "consent_marketing"), (problem.GetProperty("row").GetInt32(), problem.GetProperty("column").GetString()));
        Assert.Contains("objected to marketing and was erased", problem.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, imported.GetProperty("created").GetInt32());

        // The person writes again (a new contact): nobody else can grant them marketing, or surveys.
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Hallo, ich bin wieder da");
        var again = await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.WaId == customer.WaId && c.ErasedAt == null).Select(c => c.Id).SingleAsync());
        var refused = await App.RecordConsentAsync(customer.Workspace.AdminKey, again, "marketing", "grant");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("START", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await App.RecordConsentAsync(customer.Workspace.AdminKey, again, "surveys", "grant")).StatusCode);

        // Their own START lifts the objection to marketing (and only that one).
        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "START");
        Assert.Equal("granted", ConsentTestExtensions.StateOf(await App.ConsentOfAsync(customer.Workspace.AdminKey, again), "marketing"));
        Assert.Equal(["surveys"], await App.WithDbAsync(db => db.ConsentObjections.IgnoreQueryFilters().Where(o => o.WorkspaceId == workspaceId).Select(o => o.Purpose).ToListAsync()));
        Assert.Empty((await api.ImportAsync(csv)).Body.GetProperty("problems").EnumerateArray());
    }
}
