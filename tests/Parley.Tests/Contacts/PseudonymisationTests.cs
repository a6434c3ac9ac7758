using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

/// <summary>Marketers and viewers work with customer IDs: no phone number or wa_id reaches them, and revealing one is audited.</summary>
public sealed class PseudonymisationTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Theory]
    [InlineData("marketer")]
    [InlineData("viewer")]
    public async Task EveryGetEndpointARoleWithoutRevealCanReach_ShowsNoPhoneNumber(string role)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var phoneNumberId = ContactsTestExtensions.NewPhoneNumberId();
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var waId = ContactsTestExtensions.NewWaId();
        await App.InboundAsync(phoneNumberId, waId, "Hallo, ich bin Kundin");
        var imported = ContactsTestExtensions.NewWaId();
        await admin.DefineAttributeAsync("city", "text");
        var label = (await admin.PostOkAsync("/api/v1/labels", new { name = "VIP" })).GetProperty("id").GetGuid();
        var contact = await admin.CreateContactAsync(new { phone = "+" + imported, attributes = new { city = "Berlin" }, labels = new[] { label } });
        var list = (await admin.PostOkAsync("/api/v1/lists", new { name = "Newsletter" })).GetProperty("id").GetGuid();
        await admin.PostOkAsync($"/api/v1/lists/{list}/members", new { contactIds = new[] { contact.GetProperty("id").GetGuid() } });
        var segment = (await admin.PostOkAsync("/api/v1/segments", new { name = "Berlin", filter = new { type = "all", conditions = Array.Empty<object>() } })).GetProperty("id").GetGuid();
        var conversation = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var ids = new Dictionary<string, Guid>
        {
            ["contacts"] = contact.GetProperty("id").GetGuid(),
            ["lists"] = list,
            ["segments"] = segment,
            ["labels"] = label,
            ["conversations"] = conversation,
        };
        var key = App.Api(await App.CreateKeyAsync(workspace.Slug, role));

        var reached = 0;
        foreach (var pattern in GetRoutes())
        {
            var resource = pattern.Split('/')[2];
            if (pattern.Contains('{', StringComparison.Ordinal) && !ids.ContainsKey(resource))
            {
                continue; // an object kind that holds no contact data (users, keys, numbers, media)
            }

            var path = "/" + pattern.Replace("{id:guid}", ids.GetValueOrDefault(resource).ToString(), StringComparison.Ordinal);
            var response = await key.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                reached++;
            }

            foreach (var number in new[] { waId, imported, waId[2..], imported[2..] })
            {
                Assert.False(body.Contains(number, StringComparison.Ordinal), $"GET {path} ({(int)response.StatusCode}) shows a phone number to a {role}");
            }
        }

        Assert.True(reached >= 10, $"Only {reached} GET endpoints answered a {role}; the walk found too little.");
        var own = await key.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{ids["contacts"]}");
        Assert.Equal(contact.GetProperty("customerId").GetString(), own.GetProperty("customerId").GetString());
    }

    [Fact]
    public async Task Marketer_CannotFindAContactByPhone_NorReveal_ButCanByCustomerId()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var waId = ContactsTestExtensions.NewWaId();
        var contact = await admin.CreateContactAsync(new { phone = "+" + waId });
        var marketer = App.Api(await App.CreateKeyAsync(workspace.Slug, "marketer"));

        var byPhone = await marketer.ContactsAsync("&q=" + waId);
        var byCustomerId = await marketer.ContactsAsync("&q=" + contact.GetProperty("customerId").GetString());
        var reveal = await marketer.PostAsync($"/api/v1/contacts/{contact.GetProperty("id")}/reveal", null);
        var export = await marketer.GetStringAsync("/api/v1/contacts/export");

        Assert.Empty(byPhone);
        Assert.Single(byCustomerId);
        Assert.Equal(HttpStatusCode.Forbidden, reveal.StatusCode);
        Assert.DoesNotContain(waId[2..], export, StringComparison.Ordinal);
        Assert.DoesNotContain("phone", export.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains(contact.GetProperty("customerId").GetString()!, export, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportWithPhoneNumbers_IsAudited_AndOneWithoutIsNot()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var waId = ContactsTestExtensions.NewWaId();
        await admin.CreateContactAsync(new { phone = "+" + waId });
        var marketer = App.Api(await App.CreateKeyAsync(workspace.Slug, "marketer"));

        await marketer.GetStringAsync("/api/v1/contacts/export");
        Assert.DoesNotContain("contacts.exported", await admin.GetStringAsync("/api/v1/audit-log"), StringComparison.Ordinal);
        var csv = await admin.GetStringAsync("/api/v1/contacts/export");

        Assert.Contains("+" + waId, csv, StringComparison.Ordinal);
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "contacts.exported");
        Assert.Equal("CSV with phone numbers: all contacts", entry.GetProperty("details").GetString());
    }

    [Fact]
    public async Task Reveal_ShowsTheNumber_AndWritesTheAuditLog()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var waId = ContactsTestExtensions.NewWaId();
        var contact = await admin.CreateContactAsync(new { phone = "+" + waId });
        var agent = App.Api(await App.CreateKeyAsync(workspace.Slug, "agent"));

        var revealed = await agent.PostOkAsync($"/api/v1/contacts/{contact.GetProperty("id")}/reveal", new { });

        Assert.Equal("+" + waId, revealed.GetProperty("phone").GetString());
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log");
        var entry = audit.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "contact.phone_revealed");
        Assert.Equal(contact.GetProperty("id").GetGuid(), entry.GetProperty("targetId").GetGuid());
        Assert.Equal("apikey", entry.GetProperty("actorKind").GetString());
        Assert.DoesNotContain(waId, entry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContactPage_ShowsAMarketerTheCustomerIdOnly_AndAnAgentARevealButton()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var waId = ContactsTestExtensions.NewWaId();
        var contact = await admin.CreateContactAsync(new { phone = "+" + waId, displayName = "Erika" });
        var id = contact.GetProperty("id").GetGuid();
        var marketer = await App.AddUserAsync(workspace.Slug, "marketer");
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var marketerBrowser = App.Browser();
        var agentBrowser = App.Browser();
        await ParleyApp.SignInAsync(marketerBrowser, marketer.Email, marketer.Password);
        await ParleyApp.SignInAsync(agentBrowser, agent.Email, agent.Password);

        var list = await marketerBrowser.GetStringAsync($"/w/{workspace.Slug}/contacts");
        var page = await marketerBrowser.GetStringAsync($"/w/{workspace.Slug}/contacts/{id}");
        var agentPage = await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/contacts/{id}");

        Assert.Contains(contact.GetProperty("customerId").GetString()!, list, StringComparison.Ordinal);
        Assert.Contains(contact.GetProperty("customerId").GetString()!, page, StringComparison.Ordinal);
        Assert.DoesNotContain(waId[4..], list, StringComparison.Ordinal);
        Assert.DoesNotContain(waId[4..], page, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=reveal", page, StringComparison.Ordinal);
        Assert.DoesNotContain(waId[4..], agentPage, StringComparison.Ordinal);
        Assert.Contains("handler=reveal", agentPage, StringComparison.Ordinal);

        var token = await ParleyApp.AntiforgeryTokenAsync(agentBrowser, $"/w/{workspace.Slug}/contacts/{id}");
        var revealed = await agentBrowser.PostAsync($"/w/{workspace.Slug}/contacts/{id}?handler=reveal",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Contains("+" + waId, await revealed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("contact.phone_revealed", await admin.GetStringAsync("/api/v1/audit-log"), StringComparison.Ordinal);
    }

    private IEnumerable<string> GetRoutes() =>
        from endpoint in App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        let pattern = endpoint.RoutePattern.RawText?.TrimStart('/').TrimEnd('/') ?? ""
        where pattern.StartsWith("api/v1", StringComparison.Ordinal)
        where endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("GET") == true
        where pattern.Count(c => c == '{') <= 1
        select pattern;
}
