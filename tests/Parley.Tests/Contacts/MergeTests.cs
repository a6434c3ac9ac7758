using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public sealed class MergeTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Merge_MovesConversationsLabelsListsAndAttributes_AndIsAudited()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var numberA = ContactsTestExtensions.NewPhoneNumberId();
        var numberB = ContactsTestExtensions.NewPhoneNumberId();
        await App.ConnectNumberAsync(workspace, numberA);
        await App.ConnectNumberAsync(workspace, numberB);
        await api.DefineAttributeAsync("city", "text");
        await api.DefineAttributeAsync("age", "number");
        var vip = (await api.PostOkAsync("/api/v1/labels", new { name = "VIP" })).GetProperty("id").GetGuid();
        var list = (await api.PostOkAsync("/api/v1/lists", new { name = "Fair" })).GetProperty("id").GetGuid();
        var keepWaId = ContactsTestExtensions.NewWaId();
        var dupWaId = ContactsTestExtensions.NewWaId();
        await App.InboundAsync(numberA, keepWaId, "first number, kept");
        await App.InboundAsync(numberA, dupWaId, "first number, duplicate");
        await App.InboundAsync(numberB, dupWaId, "second number, duplicate");
        var contacts = await api.ContactsAsync();
        var keep = contacts.Single(c => c.GetProperty("waId").GetString() == keepWaId).GetProperty("id").GetGuid();
        var dup = contacts.Single(c => c.GetProperty("waId").GetString() == dupWaId);
        var dupId = dup.GetProperty("id").GetGuid();
        await api.PatchAsJsonAsync($"/api/v1/contacts/{keep}", new { attributes = new { city = "Berlin" } });
        await api.PatchAsJsonAsync($"/api/v1/contacts/{dupId}", new { externalId = "crm-7", attributes = new { city = "Hamburg", age = 40 }, labels = new[] { vip } });
        await api.PostOkAsync($"/api/v1/lists/{list}/members", new { contactIds = new[] { dupId } });

        Assert.Equal(3, (await api.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items").GetArrayLength());
        var merged = await api.PostOkAsync($"/api/v1/contacts/{keep}/merge", new { duplicateId = dupId });

        Assert.Equal("Berlin", merged.GetProperty("attributes").GetProperty("city").GetString());
        Assert.Equal(40, merged.GetProperty("attributes").GetProperty("age").GetDouble());
        Assert.Equal("crm-7", merged.GetProperty("externalId").GetString());
        Assert.Equal(vip, merged.GetProperty("labels")[0].GetProperty("id").GetGuid());
        Assert.Equal([list], merged.GetProperty("lists").EnumerateArray().Select(l => l.GetGuid()));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/contacts/{dupId}")).StatusCode);
        var conversations = (await api.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, conversations.Count); // one per number: the two on the first number became one thread
        Assert.All(conversations, c => Assert.Equal(keep, c.GetProperty("contact").GetProperty("id").GetGuid()));
        var messages = new List<string>();
        foreach (var conversation in conversations)
        {
            var page = await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation.GetProperty("id")}/messages");
            messages.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("content").GetProperty("body").GetString()!));
        }

        Assert.Equal(["first number, duplicate", "first number, kept", "second number, duplicate"], messages.Order(StringComparer.Ordinal));
        var audit = await api.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("contact.merged", audit, StringComparison.Ordinal);
        Assert.Contains(dup.GetProperty("customerId").GetString()!, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Merge_KeepsThePersonsConsent_TheLaterStatementDecidingThePurposeBothHave()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var keep = (await api.CreateContactAsync(new { externalId = "keep" })).GetProperty("id").GetGuid();
        var dup = (await api.CreateContactAsync(new { externalId = "dup" })).GetProperty("id").GetGuid();
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, keep, "marketing", "grant")).EnsureSuccessStatusCode();
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, dup, "surveys", "grant")).EnsureSuccessStatusCode();
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, dup, "marketing", "withdraw", "STOP")).EnsureSuccessStatusCode();

        await api.PostOkAsync($"/api/v1/contacts/{keep}/merge", new { duplicateId = dup });

        var consent = await api.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{keep}/consent");
        var states = consent.GetProperty("purposes").EnumerateArray().ToDictionary(p => p.GetProperty("purpose").GetString()!, p => p.GetProperty("state").GetString());
        Assert.Equal("withdrawn", states["marketing"]); // the duplicate's later STOP is not lost
        Assert.Equal("granted", states["surveys"]);
        Assert.Equal(3, consent.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task SearchingByName_FindsOnlyThatName_NotEveryContactWithoutAPhone()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var erika = (await api.CreateContactAsync(new { externalId = "e", displayName = "Erika Muster" })).GetProperty("id").GetGuid();
        await api.CreateContactAsync(new { externalId = "m", displayName = "Max Mann" });
        var marketer = App.Api(await App.CreateKeyAsync(workspace.Slug, "marketer"));

        Assert.Equal([erika], (await api.ContactsAsync("&q=Erika")).Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal([erika], (await marketer.ContactsAsync("&q=erika")).Select(c => c.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Merge_WithItself_OrAnUnknownContact_IsRefused()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var contact = (await api.CreateContactAsync(new { externalId = "x" })).GetProperty("id").GetGuid();

        var self = await api.PostAsJsonAsync($"/api/v1/contacts/{contact}/merge", new { duplicateId = contact });
        var unknown = await api.PostAsJsonAsync($"/api/v1/contacts/{contact}/merge", new { duplicateId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }
}
