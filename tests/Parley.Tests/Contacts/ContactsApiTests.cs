using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public sealed class ContactsApiTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task CreatedContact_HasACustomerId_AndItsPhoneInE164_AndIsFoundByEveryIdentifier()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var waId = ContactsTestExtensions.NewWaId();

        var created = await api.CreateContactAsync(new { phone = $"+{waId[..2]} {waId[2..5]} {waId[5..]}", externalId = "crm-1", displayName = "Erika" });

        var customerId = created.GetProperty("customerId").GetString()!;
        Assert.Matches("^C-[0-9A-HJKMNP-TV-Z]{6}$", customerId);
        Assert.Equal("+" + waId, created.GetProperty("phone").GetString());
        Assert.Equal(waId, created.GetProperty("waId").GetString());
        foreach (var q in new[] { customerId, customerId.ToLowerInvariant(), "crm-1", waId, "+" + waId, "0" + waId[2..], "erik" })
        {
            var found = await api.ContactsAsync("&q=" + Uri.EscapeDataString(q));
            Assert.True(found.Count == 1, $"q={q} found {found.Count}");
            Assert.Equal(created.GetProperty("id").GetGuid(), found[0].GetProperty("id").GetGuid());
        }
    }

    [Fact]
    public async Task BadInput_IsRefusedWithTheField_AndNothingIsApplied()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("age", "number");
        var contact = await api.CreateContactAsync(new { displayName = "Before", externalId = "crm-a" });
        var other = await api.CreateContactAsync(new { externalId = "crm-b", phone = "+4915112345678" });
        var id = contact.GetProperty("id").GetGuid();

        async Task<JsonElement> Refused(object body, HttpStatusCode status)
        {
            var response = await api.PatchAsJsonAsync($"/api/v1/contacts/{id}", body);
            Assert.Equal(status, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var badPhone = await Refused(new { displayName = "After", phone = "12" }, HttpStatusCode.BadRequest);
        var badAge = await Refused(new { displayName = "After", attributes = new { age = "old" } }, HttpStatusCode.BadRequest);
        var unknown = await Refused(new { displayName = "After", attributes = new { shoeSize = 42 } }, HttpStatusCode.BadRequest);
        var unknownField = await Refused(new { displayName = "After", role = "x" }, HttpStatusCode.BadRequest);
        await Refused(new { displayName = "After", phone = "+49 151 12345678" }, HttpStatusCode.Conflict);
        await Refused(new { displayName = "After", externalId = "crm-b" }, HttpStatusCode.Conflict);

        Assert.True(badPhone.GetProperty("errors").TryGetProperty("phone", out _));
        Assert.True(badAge.GetProperty("errors").TryGetProperty("attributes.age", out _));
        Assert.True(unknown.GetProperty("errors").TryGetProperty("attributes.shoeSize", out _));
        Assert.True(unknownField.GetProperty("errors").TryGetProperty("role", out _));
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{id}");
        Assert.Equal("Before", after.GetProperty("displayName").GetString());
        Assert.Equal("crm-a", after.GetProperty("externalId").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("phone").ValueKind);
        Assert.NotEqual(other.GetProperty("id").GetGuid(), id);
    }

    [Fact]
    public async Task TypedAttributes_AreValidatedAndStoredByType()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("city", "text");
        await api.DefineAttributeAsync("age", "number");
        await api.DefineAttributeAsync("birthday", "date");
        await api.DefineAttributeAsync("vip", "boolean");
        await api.DefineAttributeAsync("tier", "choice", "Gold", "Silver");

        var contact = await api.CreateContactAsync(new { externalId = "a", attributes = new { city = "Berlin", age = 42.5, birthday = "1980-02-29", vip = true, tier = "gold" } });
        var cleared = await (await api.PatchAsJsonAsync($"/api/v1/contacts/{contact.GetProperty("id")}", new { attributes = new { city = (string?)null } })).Content.ReadFromJsonAsync<JsonElement>();
        var badChoice = await api.PatchAsJsonAsync($"/api/v1/contacts/{contact.GetProperty("id")}", new { attributes = new { tier = "Bronze" } });
        var badDate = await api.PatchAsJsonAsync($"/api/v1/contacts/{contact.GetProperty("id")}", new { attributes = new { birthday = "1980-02-30" } });
        var badBool = await api.PatchAsJsonAsync($"/api/v1/contacts/{contact.GetProperty("id")}", new { attributes = new { vip = "maybe" } });
        var badType = await api.PostAsJsonAsync("/api/v1/attributes", new { key = "x", type = "colour" });
        var choiceWithoutOptions = await api.PostAsJsonAsync("/api/v1/attributes", new { key = "y", type = "choice" });
        var duplicate = await api.PostAsJsonAsync("/api/v1/attributes", new { key = "city", type = "text" });

        var attributes = contact.GetProperty("attributes");
        Assert.Equal("Berlin", attributes.GetProperty("city").GetString());
        Assert.Equal(42.5, attributes.GetProperty("age").GetDouble());
        Assert.Equal("1980-02-29", attributes.GetProperty("birthday").GetString());
        Assert.True(attributes.GetProperty("vip").GetBoolean());
        Assert.Equal("Gold", attributes.GetProperty("tier").GetString());
        Assert.False(cleared.GetProperty("attributes").TryGetProperty("city", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badChoice.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badBool.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, choiceWithoutOptions.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
    }

    [Fact]
    public async Task InboundMessage_CreatesAContactWithCustomerIdPhoneAndActivity()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = ContactsTestExtensions.NewPhoneNumberId();
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var waId = ContactsTestExtensions.NewWaId();
        var api = App.Api(workspace.AdminKey);
        var existing = await api.CreateContactAsync(new { phone = "+" + waId, displayName = "Known" });

        await App.InboundAsync(phoneNumberId, waId, "Hallo");
        await App.InboundAsync(phoneNumberId, ContactsTestExtensions.NewWaId(), "Hi", "Max");

        var contacts = await api.ContactsAsync();
        Assert.Equal(2, contacts.Count);
        var known = contacts.Single(c => c.GetProperty("id").GetGuid() == existing.GetProperty("id").GetGuid());
        Assert.Equal("Erika Mustermann", known.GetProperty("profileName").GetString());
        Assert.Equal("Known", known.GetProperty("displayName").GetString());
        Assert.NotEqual(JsonValueKind.Null, known.GetProperty("lastInboundAt").ValueKind);
        var fresh = contacts.Single(c => c.GetProperty("id").GetGuid() != existing.GetProperty("id").GetGuid());
        Assert.Matches("^C-[0-9A-Z]{6}$", fresh.GetProperty("customerId").GetString()!);
        Assert.StartsWith("+49171", fresh.GetProperty("phone").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_AreAddedAndRemoved_AndFilterTheList_AndPagingWalksEveryContact()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var vip = (await api.PostOkAsync("/api/v1/labels", new { name = "VIP", colour = "#1F6FEB" })).GetProperty("id").GetGuid();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await api.CreateContactAsync(new { externalId = $"p{i}" })).GetProperty("id").GetGuid());
            App.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await api.PostOkAsync($"/api/v1/contacts/{ids[1]}/labels", new { add = new[] { vip } });
        await api.PostOkAsync($"/api/v1/contacts/{ids[2]}/labels", new { add = new[] { vip } });
        var removed = await api.PostOkAsync($"/api/v1/contacts/{ids[2]}/labels", new { remove = new[] { vip } });
        var unknownLabel = await api.PostAsJsonAsync($"/api/v1/contacts/{ids[2]}/labels", new { add = new[] { Guid.NewGuid() } });
        var badColour = await api.PostAsJsonAsync("/api/v1/labels", new { name = "Red", colour = "red" });

        var labelled = await api.ContactsAsync($"&labelId={vip}");
        Assert.Equal([ids[1]], labelled.Select(c => c.GetProperty("id").GetGuid()));
        Assert.Equal("#1f6feb", labelled[0].GetProperty("labels")[0].GetProperty("colour").GetString());
        Assert.Equal(0, removed.GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, unknownLabel.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badColour.StatusCode);

        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/contacts?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Fact]
    public async Task Delete_ErasesTheContact_IsAudited_AndNeedsThePermission()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var agent = App.Api(await App.CreateKeyAsync(workspace.Slug, "agent"));
        var contact = await api.CreateContactAsync(new { externalId = "gone" });
        var id = contact.GetProperty("id").GetGuid();

        var byAgent = await agent.DeleteAsync($"/api/v1/contacts/{id}");
        var byAdmin = await api.DeleteAsync($"/api/v1/contacts/{id}");

        Assert.Equal(HttpStatusCode.Forbidden, byAgent.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/contacts/{id}")).StatusCode);
        var audit = await api.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("contact.erased", audit, StringComparison.Ordinal);
        Assert.Contains(contact.GetProperty("customerId").GetString()!, audit, StringComparison.Ordinal);
        var again = await api.CreateContactAsync(new { externalId = "gone" }); // the tombstone holds nothing that could clash
        Assert.NotEqual(contact.GetProperty("customerId").GetString(), again.GetProperty("customerId").GetString());
    }
}
