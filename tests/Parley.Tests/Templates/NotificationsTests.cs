using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Consent;
using Parley.Tests.Contacts;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Templates;

/// <summary>POST /api/v1/notifications: a CRM's "your car is ready", consent-checked, idempotent, answered in the inbox thread.</summary>
public sealed class NotificationsTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private static readonly string[] OneName = ["Erika"];

    private ParleyApp App => fixture.App;

    [Fact]
    public async Task ATemplateGoesToTheContactByExternalId_OncePerKey_AndTheAnswerLandsInItsThread()
    {
        var customer = await App.SandboxCustomerAsync("Wann ist mein Auto fertig?");
        var api = App.Api(customer.Workspace.AdminKey);
        (await api.PatchAsJsonAsync($"/api/v1/contacts/{customer.ContactId}", new { externalId = "werkstatt-17" })).EnsureSuccessStatusCode();
        var body = new { contact = new { externalId = "werkstatt-17" }, template = new { name = "car_ready", language = "de" }, variables = new[] { "Erika", "B-AB 123" } };

        var first = await Post(api, body, "auftrag-17-fertig");
        var again = await Post(api, body, "auftrag-17-fertig");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var sent = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(customer.ConversationId, sent.GetProperty("conversationId").GetGuid());
        Assert.Equal(sent.GetProperty("messageId").GetGuid(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetGuid());
        var received = await Eventually.ObjectAsync(async () => (await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer.WaId}"))
            .EnumerateArray().Where(m => m.GetProperty("type").GetString() == "template").ToList() is { Count: > 0 } list ? list : null);
        var template = Assert.Single(received).GetProperty("message").GetProperty("template");
        Assert.Equal("car_ready", template.GetProperty("name").GetString());
        Assert.Contains("B-AB 123", template.ToString(), StringComparison.Ordinal);

        await App.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Super, ich komme um 17 Uhr.");
        Assert.Equal(1, await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().CountAsync(c => c.ContactId == customer.ContactId)));
    }

    [Fact]
    public async Task BadRequests_SayWhatIsWrong_AndMarketingNeedsConsent()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        var contact = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{customer.ContactId}")).GetProperty("customerId").GetString();
        object Body(object? template = null, object? variables = null, string? purpose = null, object? who = null) => new
        {
            contact = who ?? new { customerId = contact },
            template = template ?? new { name = "car_ready", language = "de" },
            variables = variables ?? new[] { "Erika", "B-AB 123" },
            purpose,
        };

        await AssertProblem(api, Body(who: new { externalId = "nobody" }), "There is no contact with externalId 'nobody'");
        await AssertProblem(api, Body(who: new { }), "exactly one of contact.externalId");
        await AssertProblem(api, Body(template: new { name = "car_ready", language = "en" }), "There is no template 'car_ready' in language 'en'");
        await AssertProblem(api, Body(variables: OneName), "needs 2 non-empty values");
        await AssertProblem(api, Body(variables: new { name = "Erika" }), "2 positional variables");
        var marketing = await Post(api, Body(template: new { name = "spring_offer", language = "de" }, variables: OneName, purpose: "marketing"), null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, marketing.StatusCode);
        Assert.Contains("consent", await marketing.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(App.Api(await App.CreateKeyAsync(customer.Workspace.Slug, "marketer")), Body(), null)).StatusCode);
    }

    [Fact]
    public async Task AContactKnownOnlyByPhone_GetsAConversationAndTheMessage()
    {
        var workspace = await App.CreateWorkspaceAsync();
        await App.ConnectSandboxNumberAsync(workspace);
        var api = App.Api(workspace.AdminKey);
        var phone = ContactsTestExtensions.NewWaId();
        await api.CreateContactAsync(new { phone = "+" + phone, externalId = "crm-phone-only" });

        var sent = await Post(api, new { contact = new { externalId = "crm-phone-only" }, template = new { name = "hello_world", language = "en_US" } }, null);

        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        await Eventually.ObjectAsync(async () => (await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={phone}"))
            .EnumerateArray().FirstOrDefault(m => m.GetProperty("type").GetString() == "template") is { ValueKind: JsonValueKind.Object } m ? (object)m : null);
    }

    private static Task<HttpResponseMessage> Post(HttpClient api, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/notifications") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return api.SendAsync(request);
    }

    private static async Task AssertProblem(HttpClient api, object body, string expected)
    {
        var response = await Post(api, body, null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
