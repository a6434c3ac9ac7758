using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Contacts;
using Parley.Data;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public sealed class SegmentTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private static readonly string[] GoldOrBronze = ["gold", "Bronze"];

    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Segment_FiltersOnTheCurrentConsentState_FromTheLedger()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var granted = (await api.CreateContactAsync(new { externalId = "granted" })).GetProperty("id").GetGuid();
        var withdrawn = (await api.CreateContactAsync(new { externalId = "withdrawn" })).GetProperty("id").GetGuid();
        var unknown = (await api.CreateContactAsync(new { externalId = "unknown" })).GetProperty("id").GetGuid();
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, granted, "marketing", "grant")).EnsureSuccessStatusCode();
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, withdrawn, "marketing", "grant")).EnsureSuccessStatusCode();
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        (await Parley.Tests.Consent.ConsentTestExtensions.RecordConsentAsync(App, workspace.AdminKey, withdrawn, "marketing", "withdraw", "STOP")).EnsureSuccessStatusCode();

        async Task<Guid[]> Evaluate(string op)
        {
            var segment = await api.PostOkAsync("/api/v1/segments", new { name = op + Guid.NewGuid(), filter = new { type = "consent", purpose = "marketing", op } });
            var result = await api.GetFromJsonAsync<JsonElement>($"/api/v1/segments/{segment.GetProperty("id")}/contacts");
            return [.. result.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid())];
        }

        Assert.Equal([granted], await Evaluate("granted"));
        Assert.Equal([withdrawn], await Evaluate("withdrawn"));
        Assert.Equal([unknown], await Evaluate("unknown"));
        var bad = await api.PostAsJsonAsync("/api/v1/segments", new { name = "bad", filter = new { type = "all", conditions = new[] { new { type = "consent", purpose = "horoscopes", op = "granted" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("filter.conditions[0].purpose", out _));
    }

    [Fact]
    public async Task Segment_FiltersOnAttributesLabelsListsAndActivity()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("city", "text");
        await api.DefineAttributeAsync("age", "number");
        await api.DefineAttributeAsync("since", "date");
        await api.DefineAttributeAsync("vip", "boolean");
        await api.DefineAttributeAsync("tier", "choice", "Gold", "Silver", "Bronze");
        var label = (await api.PostOkAsync("/api/v1/labels", new { name = "Stammkunde" })).GetProperty("id").GetGuid();
        var list = (await api.PostOkAsync("/api/v1/lists", new { name = "Messe 2026" })).GetProperty("id").GetGuid();
        var phoneNumberId = ContactsTestExtensions.NewPhoneNumberId();
        await App.ConnectNumberAsync(workspace, phoneNumberId);

        async Task<Guid> Contact(string name, object attributes, bool labelled = false, bool listed = false)
        {
            var created = await api.CreateContactAsync(new { externalId = name, attributes, labels = labelled ? new[] { label } : [] });
            var id = created.GetProperty("id").GetGuid();
            if (listed)
            {
                await api.PostOkAsync($"/api/v1/lists/{list}/members", new { contactIds = new[] { id } });
            }

            return id;
        }

        var anna = await Contact("anna", new { city = "Berlin", age = 30, since = "2020-01-01", vip = true, tier = "Gold" }, labelled: true, listed: true);
        var ben = await Contact("ben", new { city = "berlin-mitte", age = 45, since = "2024-06-01", vip = false, tier = "Silver" }, labelled: true);
        var cem = await Contact("cem", new { city = "Hamburg", age = 19, tier = "Bronze" }, listed: true);
        var dora = await Contact("dora", new { });
        var waId = ContactsTestExtensions.NewWaId();
        await api.PatchAsJsonAsync($"/api/v1/contacts/{dora}", new { phone = "+" + waId });
        App.Clock.Advance(TimeSpan.FromDays(40));
        await App.InboundAsync(phoneNumberId, waId, "Hallo");

        async Task<IReadOnlyList<Guid>> Evaluate(object filter)
        {
            var segment = await api.PostOkAsync("/api/v1/segments", new { name = Guid.NewGuid().ToString(), filter });
            var result = await api.GetFromJsonAsync<JsonElement>($"/api/v1/segments/{segment.GetProperty("id")}/contacts");
            var items = result.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
            Assert.Equal(items.Count, result.GetProperty("total").GetInt32());

            // The same contacts whether the query starts from the planner's set or checks every contact in turn.
            var (fromSet, checkingEach) = await App.AsInstallationAsync(workspace.Slug, async services =>
            {
                var db = services.GetRequiredService<ParleyDb>();
                var planned = (await services.GetRequiredService<ContactSets>().SegmentFilterAsync(segment.GetProperty("id").GetGuid(), default)).Value!;
                Task<List<Guid>> Matching(bool correlated) => db.Contacts.Where(c => c.ErasedAt == null)
                    .Where(planned.ToPredicate(db, App.Clock.GetUtcNow().UtcDateTime, correlated)).Select(c => c.Id).ToListAsync();
                return (await Matching(false), await Matching(true));
            });
            Assert.Equal(items.Order(), fromSet.Order());
            Assert.Equal(items.Order(), checkingEach.Order());
            return [.. items.Order()];
        }

        static object Attr(string key, string op, object? value = null) => new { type = "attribute", key, op, value };
        static Guid[] Of(params Guid[] ids) => [.. ids.Order()];

        Assert.Equal(Of(anna), await Evaluate(Attr("city", "eq", "Berlin")));
        Assert.Equal(Of(anna, ben), await Evaluate(Attr("city", "contains", "BERLIN")));
        Assert.Equal(Of(anna, ben), await Evaluate(Attr("age", "gte", 30)));
        Assert.Equal(Of(cem), await Evaluate(Attr("age", "lt", 30)));
        Assert.Equal(Of(ben), await Evaluate(Attr("since", "gt", "2021-01-01")));
        Assert.Equal(Of(anna), await Evaluate(Attr("vip", "eq", true)));
        Assert.Equal(Of(anna, cem), await Evaluate(Attr("tier", "in", GoldOrBronze)));
        Assert.Equal(Of(cem, dora), await Evaluate(Attr("vip", "missing")));
        Assert.Equal(Of(ben, cem, dora), await Evaluate(Attr("city", "ne", "Berlin")));
        Assert.Equal(Of(anna, ben), await Evaluate(new { type = "label", labelId = label, op = "has" }));
        Assert.Equal(Of(anna, cem), await Evaluate(new { type = "list", listId = list, op = "member" }));
        Assert.Equal(Of(dora), await Evaluate(new { type = "lastInbound", op = "withinDays", days = 7 }));
        Assert.Equal(Of(anna, ben, cem), await Evaluate(new { type = "lastInbound", op = "never" }));
        Assert.Equal(Of(anna, ben, cem, dora), await Evaluate(new { type = "created", op = "olderThanDays", days = 30 }));
        Assert.Equal(Of(anna, cem), await Evaluate(new
        {
            type = "all",
            conditions = new object[]
            {
                new { type = "list", listId = list, op = "member" },
                new { type = "any", conditions = new object[] { Attr("vip", "eq", true), new { type = "not", condition = Attr("age", "gt", 20) } } },
            },
        }));
        var byList = await api.ContactsAsync($"&listId={list}");
        Assert.Equal(2, byList.Count);
    }

    [Theory]
    [InlineData("""{"type":"some"}""", "filter.type")]
    [InlineData("""{"type":"all","conditions":[{"type":"attribute","key":"nope","op":"eq","value":1}]}""", "filter.conditions[0].key")]
    [InlineData("""{"type":"all","conditions":[{"type":"attribute","key":"age","op":"contains","value":"x"}]}""", "filter.conditions[0].op")]
    [InlineData("""{"type":"all","conditions":[{"type":"attribute","key":"age","op":"gt","value":"x"}]}""", "filter.conditions[0].value")]
    [InlineData("""{"type":"any","conditions":[{"type":"label","labelId":"00000000-0000-0000-0000-000000000001","op":"has"}]}""", "filter.conditions[0].labelId")]
    [InlineData("""{"type":"lastInbound","op":"withinDays","days":-1}""", "filter.days")]
    [InlineData("""{"type":"created","op":"never"}""", "filter.op")]
    public async Task BadFilter_IsRefusedNamingTheField(string filter, string field)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("age", "number");

        var response = await api.PostAsync("/api/v1/segments", JsonContent.Create(new { name = "x", filter = JsonDocument.Parse(filter).RootElement }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty(await api.GetFromJsonAsync<JsonElement[]>("/api/v1/segments") ?? []);
    }

    [Fact]
    public async Task Segment_WhoseAttributeWasDeleted_AnswersWithAReason()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        var age = (await api.DefineAttributeAsync("age", "number")).GetProperty("id").GetGuid();
        var segment = await api.PostOkAsync("/api/v1/segments", new { name = "adults", filter = new { type = "attribute", key = "age", op = "gte", value = 18 } });

        await api.DeleteAsync($"/api/v1/attributes/{age}");
        var response = await api.GetAsync($"/api/v1/segments/{segment.GetProperty("id")}/contacts");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }
}
