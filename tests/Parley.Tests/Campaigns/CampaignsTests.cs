using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Campaigns;
using Parley.Tests.Consent;
using Parley.Tests.Contacts;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Campaigns;

/// <summary>Campaigns end to end against the sandbox: planning with skips, sending once per person, replies, pause, cancel, tier budget.</summary>
public sealed class CampaignsTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private static readonly string[] UnknownNumber = ["123"];

    private ParleyApp App => fixture.App;

    /// <summary>A workspace with two sandbox numbers, a city attribute, a list, and people on it (all with marketing consent unless said).</summary>
    private sealed record Audience(TestWorkspace Workspace, HttpClient Api, Guid ListId, (Guid Id, string PhoneNumberId) First, (Guid Id, string PhoneNumberId) Second);

    private async Task<Audience> AudienceAsync()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var first = await App.ConnectSandboxNumberAsync(workspace);
        var second = await App.ConnectSandboxNumberAsync(workspace);
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("city", "text");
        var list = await api.PostOkAsync("/api/v1/lists", new { name = "Newsletter" });
        return new Audience(workspace, api, list.GetProperty("id").GetGuid(), first, second);
    }

    private async Task<(Guid Id, string WaId)> PersonAsync(Audience audience, string? name, string? city, string? consent = "grant")
    {
        var waId = ContactsTestExtensions.NewWaId();
        var contact = await audience.Api.CreateContactAsync(new { phone = "+" + waId, displayName = name, attributes = city is null ? null : new { city } });
        var id = contact.GetProperty("id").GetGuid();
        await audience.Api.PostOkAsync($"/api/v1/lists/{audience.ListId}/members", new { contactIds = new[] { id } });
        if (consent is not null)
        {
            (await App.RecordConsentAsync(audience.Workspace.AdminKey, id, "marketing", consent)).EnsureSuccessStatusCode();
        }

        return (id, waId);
    }

    private static object Request(Audience audience, object? schedule = null, object? frequencyCap = null, string variable = "{{contact.name}} in {{attr.city|Ihrer Stadt}}") => new
    {
        name = "Frühjahr",
        template = new { name = "spring_offer", language = "de" },
        variables = new Dictionary<string, string> { ["1"] = variable },
        audience = new { lists = new[] { audience.ListId } },
        numbers = new[] { audience.First.PhoneNumberId, audience.Second.PhoneNumberId },
        schedule,
        frequencyCap,
    };

    private static async Task<JsonElement> CreateAsync(HttpClient api, object request)
    {
        var response = await api.PostAsJsonAsync("/api/v1/campaigns", request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static int Count(JsonElement campaign, string status) => campaign.GetProperty("counts").GetProperty(status).GetInt32();

    private async Task<List<JsonElement>> TemplatesReceivedAsync(string waId) =>
        [.. (await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={waId}")).EnumerateArray().Where(m => m.GetProperty("type").GetString() == "template")];

    [Fact]
    public async Task ACampaign_SkipsWhoMayNotOrCannotGetIt_SendsEveryoneElseOnce_AndCountsTheirReplies()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var max = await PersonAsync(audience, "Max", null);
        var nameless = await PersonAsync(audience, null, "Bonn");
        var objected = await PersonAsync(audience, "Olga", "Ulm", consent: "withdraw");
        var silent = await PersonAsync(audience, "Sven", "Essen", consent: null);

        var planned = await CreateAsync(audience.Api, Request(audience));

        Assert.Equal("draft", planned.GetProperty("state").GetString());
        Assert.Equal(5, planned.GetProperty("recipients").GetInt32());
        Assert.Equal(2, Count(planned, "pending"));
        var skipped = planned.GetProperty("skipped");
        Assert.Equal(1, skipped.GetProperty("missing_variable").GetInt32());
        Assert.Equal(1, skipped.GetProperty("opted_out").GetInt32());
        Assert.Equal(1, skipped.GetProperty("no_consent").GetInt32());
        Assert.Equal(2, planned.GetProperty("funnel").GetProperty("toSend").GetInt32());
        Assert.Empty(await TemplatesReceivedAsync(erika.WaId)); // a draft sends nothing
        var id = planned.GetProperty("id").GetGuid();

        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/start", null)).EnsureSuccessStatusCode();

        await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}") is var c
            && c.GetProperty("state").GetString() == "completed" && Count(c, "read") == 2 ? (object)c : null);
        var toErika = Assert.Single(await TemplatesReceivedAsync(erika.WaId));
        Assert.Contains("Erika in Köln", toErika.ToString(), StringComparison.Ordinal);
        Assert.Contains("Max in Ihrer Stadt", Assert.Single(await TemplatesReceivedAsync(max.WaId)).ToString(), StringComparison.Ordinal);
        foreach (var nobody in new[] { nameless, objected, silent })
        {
            Assert.Empty(await TemplatesReceivedAsync(nobody.WaId));
        }

        await App.CustomerWritesAsync(toErika.GetProperty("phoneNumberId").GetString()!, erika.WaId, "Gilt das auch online?");
        var replied = await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}") is var c && Count(c, "replied") == 1 ? (object)c : null);
        var funnel = ((JsonElement)replied).GetProperty("funnel");
        Assert.Equal(2, funnel.GetProperty("delivered").GetInt32());
        Assert.Equal(1, funnel.GetProperty("replied").GetInt32());

        var recipients = await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}/recipients?status=replied");
        var row = Assert.Single(recipients.GetProperty("items").EnumerateArray());
        Assert.DoesNotContain(erika.WaId, recipients.ToString(), StringComparison.Ordinal);
        var conversation = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().SingleAsync(c => c.Id == row.GetProperty("conversationId").GetGuid()));
        Assert.Equal(id, conversation.CampaignId);
        Assert.Equal(Parley.Inbox.ConversationStatus.Open, conversation.Status); // the reply lands in the inbox

        var csv = await audience.Api.GetStringAsync($"/api/v1/campaigns/{id}/recipients.csv");
        Assert.StartsWith("customer_id,status,reason", csv, StringComparison.Ordinal);
        Assert.Equal(6, csv.Trim().Split('\n').Length);
        Assert.DoesNotContain(max.WaId, csv, StringComparison.Ordinal);
        Assert.Contains("missing_variable: 1", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachPersonKeepsTheNumberTheyAlreadyTalkWith_TheOthersAreSpreadEvenly()
    {
        var audience = await AudienceAsync();
        var people = new List<(Guid Id, string WaId)>();
        for (var i = 0; i < 6; i++)
        {
            people.Add(await PersonAsync(audience, $"Kundin {i}", "Köln"));
        }

        await App.CustomerWritesAsync(audience.Second.PhoneNumberId, people[0].WaId, "Hallo");
        await App.CustomerWritesAsync(audience.First.PhoneNumberId, people[1].WaId, "Hallo");
        var id = (await CreateAsync(audience.Api, Request(audience))).GetProperty("id").GetGuid();

        var senders = await App.WithDbAsync(db => db.CampaignRecipients.IgnoreQueryFilters().Where(r => r.CampaignId == id).ToDictionaryAsync(r => r.ContactId, r => r.WhatsAppNumberId));
        Assert.Equal(audience.Second.Id, senders[people[0].Id]);
        Assert.Equal(audience.First.Id, senders[people[1].Id]);
        Assert.All(senders.Values, s => Assert.Contains(s, new Guid?[] { audience.First.Id, audience.Second.Id }));
        Assert.Equal(3, senders.Values.Count(s => s == audience.First.Id));
    }

    [Fact]
    public async Task OutsideTheDailyWindow_NothingIsSent_PauseAndCancelStopIt()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var local = TimeZoneInfo.ConvertTime(App.Clock.GetUtcNow(), berlin);
        var schedule = new { sendFrom = local.AddHours(2).ToString("HH:00", System.Globalization.CultureInfo.InvariantCulture), sendUntil = local.AddHours(3).ToString("HH:00", System.Globalization.CultureInfo.InvariantCulture) };
        var id = (await CreateAsync(audience.Api, Request(audience, schedule))).GetProperty("id").GetGuid();

        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/start", null)).EnsureSuccessStatusCode();
        await App.Services.GetRequiredService<CampaignRunner>().RunOnceAsync(CancellationToken.None);
        var running = await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}");
        Assert.Equal("running", running.GetProperty("state").GetString());
        Assert.Equal(1, Count(running, "pending"));

        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/pause", null)).EnsureSuccessStatusCode();
        var again = await audience.Api.PostAsync($"/api/v1/campaigns/{id}/pause", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("This one is paused", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/resume", null)).EnsureSuccessStatusCode();
        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/cancel", null)).EnsureSuccessStatusCode();

        var cancelled = await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}");
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal(1, Count(cancelled, "cancelled"));
        Assert.Empty(await TemplatesReceivedAsync(erika.WaId));
        var actions = await App.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().Where(a => a.TargetId == id).Select(a => a.Action).ToListAsync());
        string[] expected = ["campaign.cancelled", "campaign.created", "campaign.paused", "campaign.resumed", "campaign.started"];
        Assert.Equal(expected, actions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AStopBeforeItsTurn_SkipsThePerson_AndTheFrequencyCapCountsOtherCampaigns()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var max = await PersonAsync(audience, "Max", "Bonn");
        var first = (await CreateAsync(audience.Api, Request(audience))).GetProperty("id").GetGuid();
        (await audience.Api.PostAsync($"/api/v1/campaigns/{first}/start", null)).EnsureSuccessStatusCode();
        await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{first}") is var c && Count(c, "read") == 2 ? (object)c : null);

        // The second campaign is planned while both may get it; then Max objects, and both already had one this week.
        var second = (await CreateAsync(audience.Api, Request(audience, frequencyCap: new { messages = 1, days = 7 }))).GetProperty("id").GetGuid();
        await App.CustomerWritesAsync(audience.First.PhoneNumberId, max.WaId, "STOP");
        (await audience.Api.PostAsync($"/api/v1/campaigns/{second}/start", null)).EnsureSuccessStatusCode();

        var done = (JsonElement)await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{second}") is var c
            && c.GetProperty("state").GetString() == "completed" ? (object)c : null);
        Assert.Equal(1, done.GetProperty("skipped").GetProperty("opted_out").GetInt32());
        Assert.Equal(1, done.GetProperty("skipped").GetProperty("frequency_cap").GetInt32());
        Assert.Single(await TemplatesReceivedAsync(erika.WaId));
        Assert.Equal(1, (await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{first}")).GetProperty("optOuts").GetInt32());
    }

    [Fact]
    public async Task TheDataSubjectExportListsCampaigns_AndErasureKeepsTheRowWithoutItsVariables()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var id = (await CreateAsync(audience.Api, Request(audience))).GetProperty("id").GetGuid();

        using var zip = new System.IO.Compression.ZipArchive(await audience.Api.GetStreamAsync($"/api/v1/contacts/{erika.Id}/export"));
        using var json = await JsonDocument.ParseAsync(zip.GetEntry("contact.json")!.Open());
        var entry = Assert.Single(json.RootElement.GetProperty("campaigns").EnumerateArray());
        Assert.Equal("Frühjahr", entry.GetProperty("campaign").GetString());
        Assert.Equal("pending", entry.GetProperty("status").GetString());
        Assert.Equal("Erika in Köln", entry.GetProperty("variables").GetProperty("1").GetString());

        (await audience.Api.DeleteAsync($"/api/v1/contacts/{erika.Id}")).EnsureSuccessStatusCode();

        var row = await App.WithDbAsync(db => db.CampaignRecipients.IgnoreQueryFilters().SingleAsync(r => r.CampaignId == id));
        Assert.Null(row.VariableValues);
        Assert.Equal(RecipientState.Skipped, row.State);
        Assert.Equal(CampaignRecipient.Erased, row.Reason);
    }

    [Fact]
    public async Task MergedContacts_KeepTheirCampaignHistory_AndCountOnceInACampaignThatHadBoth()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var max = await PersonAsync(audience, "Max", "Bonn");
        var id = (await CreateAsync(audience.Api, Request(audience))).GetProperty("id").GetGuid();
        var other = (await audience.Api.CreateContactAsync(new { displayName = "Erika M." })).GetProperty("id").GetGuid();

        (await audience.Api.PostAsJsonAsync($"/api/v1/contacts/{other}/merge", new { duplicateId = erika.Id })).EnsureSuccessStatusCode();
        (await audience.Api.PostAsJsonAsync($"/api/v1/contacts/{other}/merge", new { duplicateId = max.Id })).EnsureSuccessStatusCode();

        var campaign = await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}");
        Assert.Equal(1, campaign.GetProperty("recipients").GetInt32());
        Assert.Equal(1, Count(campaign, "pending"));
        var rows = await App.WithDbAsync(db => db.CampaignRecipients.IgnoreQueryFilters().Where(r => r.CampaignId == id).Select(r => r.ContactId).ToListAsync());
        Assert.Equal([other], rows); // Max merged into the same person: in this campaign, they count once
    }

    [Fact]
    public async Task ATemplateMetaPaused_PausesTheCampaignWithTheReason_AndNothingIsSent()
    {
        var audience = await AudienceAsync();
        var erika = await PersonAsync(audience, "Erika", "Köln");
        var id = (await CreateAsync(audience.Api, Request(audience))).GetProperty("id").GetGuid();
        await App.WithDbAsync(db => db.WhatsAppTemplates.IgnoreQueryFilters()
            .Where(t => t.Name == "spring_offer" && db.WhatsAppNumbers.IgnoreQueryFilters().Any(n => n.Id == audience.First.Id && n.WorkspaceId == t.WorkspaceId))
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, "PAUSED")));

        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/start", null)).EnsureSuccessStatusCode();
        await App.Services.GetRequiredService<CampaignRunner>().RunOnceAsync(CancellationToken.None);

        var paused = await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}");
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        Assert.Contains("spring_offer (de) is PAUSED", paused.GetProperty("stateReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Count(paused, "pending"));
        Assert.Empty(await TemplatesReceivedAsync(erika.WaId));
    }

    [Fact]
    public async Task BadRequests_SayWhatIsWrong()
    {
        var audience = await AudienceAsync();
        async Task Problem(object body, string expected)
        {
            var response = await audience.Api.PostAsJsonAsync("/api/v1/campaigns", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var good = Request(audience);
        await Problem(new { template = new { name = "spring_offer", language = "de" } }, "Give the campaign a name");
        await Problem(new { name = "x", template = new { name = "spring_offer", language = "en" }, audience = new { lists = new[] { audience.ListId } } }, "There is no template 'spring_offer' in language 'en'");
        await Problem(new { name = "x", template = new { name = "spring_offer", language = "de" }, audience = new { lists = new[] { audience.ListId } } }, "missing: 1");
        await Problem(Request(audience, variable: "{{attr.shoe_size}}"), "There is no contact attribute 'shoe_size'");
        await Problem(new { name = "x", template = new { name = "spring_offer", language = "de" }, numbers = UnknownNumber }, "'123' is not one of this workspace's WhatsApp numbers");
        await Problem(Request(audience, schedule: new { sendFrom = "9 Uhr", sendUntil = "20:00" }), "HH:mm");
        await Problem(Request(audience, schedule: new { timeZone = "Mars/Olympus" }), "not a time zone");
        await Problem(Request(audience, frequencyCap: new { messages = 0, days = 7 }), "frequencyCap");
        var marketer = App.Api(await App.CreateKeyAsync(audience.Workspace.Slug, "agent"));
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.PostAsJsonAsync("/api/v1/campaigns", good)).StatusCode);
    }

    [Fact]
    public async Task RecipientsBeyondTheTierBudget_WaitForTheRollingWindow()
    {
        var audience = await AudienceAsync();
        var csv = "phone,name\n" + string.Join("\n", Enumerable.Range(0, 253).Select(i => $"+{ContactsTestExtensions.NewWaId()},Kunde {i}"));
        var (status, _) = await audience.Api.ImportAsync(csv, mode: "apply");
        Assert.Equal(HttpStatusCode.OK, status);
        var ids = (await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.WorkspaceId == db.Workspaces.IgnoreQueryFilters().Single(w => w.Slug == audience.Workspace.Slug).Id).Select(c => c.Id).ToListAsync()));
        await audience.Api.PostOkAsync($"/api/v1/lists/{audience.ListId}/members", new { contactIds = ids });
        var id = (await CreateAsync(audience.Api, new
        {
            name = "Service",
            template = new { name = "car_ready", language = "de" },
            variables = new Dictionary<string, string> { ["1"] = "{{contact.name}}", ["2"] = "Ihr Auto" },
            audience = new { lists = new[] { audience.ListId } },
            numbers = new[] { audience.First.PhoneNumberId },
            purpose = "service",
        })).GetProperty("id").GetGuid();
        // Below the sandbox's 80/s: the test clock stands still, so a throughput refusal's retry would never come due.
        await App.WithDbAsync(db => db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.Id == audience.First.Id)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.MessagingLimit, "TIER_250").SetProperty(x => x.Throughput, 60)));

        (await audience.Api.PostAsync($"/api/v1/campaigns/{id}/start", null)).EnsureSuccessStatusCode();
        await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}") is var c && Count(c, "pending") == 3 && Count(c, "queued") == 0 ? (object)c : null);
        await App.Services.GetRequiredService<CampaignRunner>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(3, Count(await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}"), "pending"));

        App.Clock.Advance(TimeSpan.FromHours(24));
        try
        {
            await Eventually.ObjectAsync(async () => await audience.Api.GetFromJsonAsync<JsonElement>($"/api/v1/campaigns/{id}") is var c && c.GetProperty("state").GetString() == "completed" ? (object)c : null);
        }
        finally
        {
            App.Clock.Advance(TimeSpan.FromHours(-24));
        }

        Assert.Equal(253, (await App.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().CountAsync(o => o.WhatsAppNumberId == audience.First.Id))));
    }
}

/// <summary>Two Parley processes on one PostgreSQL database run the same campaign.</summary>
public sealed class CampaignMultiNodeTests
{
    [PostgresFact]
    public async Task TwoNodes_SendEachRecipientExactlyOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = new ParleyApp(database);
        await using var second = new ParleyApp(database);
        await first.InitializeAsync();
        await second.InitializeAsync();
        var workspace = await first.CreateWorkspaceAsync();
        var numbers = new[] { await first.ConnectSandboxNumberAsync(workspace), await first.ConnectSandboxNumberAsync(workspace) };
        var api = first.Api(workspace.AdminKey);
        var list = (await api.PostOkAsync("/api/v1/lists", new { name = "Alle" })).GetProperty("id").GetGuid();
        var people = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var waId = ContactsTestExtensions.NewWaId();
            var id = (await api.CreateContactAsync(new { phone = "+" + waId, displayName = $"Kundin {i}" })).GetProperty("id").GetGuid();
            await api.PostOkAsync($"/api/v1/lists/{list}/members", new { contactIds = new[] { id } });
            (await first.RecordConsentAsync(workspace.AdminKey, id, "marketing", "grant")).EnsureSuccessStatusCode();
            people.Add(waId);
        }

        var campaign = await api.PostOkAsync("/api/v1/campaigns", new
        {
            name = "Zwei Knoten",
            template = new { name = "spring_offer", language = "de" },
            variables = new Dictionary<string, string> { ["1"] = "{{contact.name}}" },
            audience = new { lists = new[] { list } },
            numbers = numbers.Select(n => n.PhoneNumberId),
        });
        var campaignId = campaign.GetProperty("id").GetGuid();
        (await second.Api(workspace.AdminKey).PostAsync($"/api/v1/campaigns/{campaignId}/start", null)).EnsureSuccessStatusCode();

        await Eventually.ValueAsync(async () => await first.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().CountAsync(o => o.State == Parley.Channels.WhatsApp.OutboxState.Done
            && db.CampaignRecipients.IgnoreQueryFilters().Any(r => r.CampaignId == campaignId && r.MessageId == o.MessageId))) == people.Count ? true : (bool?)null);
        foreach (var waId in people)
        {
            var received = 0;
            foreach (var node in new[] { first, second })
            {
                received += (await node.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={waId}")).EnumerateArray().Count(m => m.GetProperty("type").GetString() == "template");
            }

            Assert.Equal(1, received);
        }
    }
}
