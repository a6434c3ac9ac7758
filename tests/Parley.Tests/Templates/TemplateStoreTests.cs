using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Templates;

/// <summary>The template store: synced from the WABA through the Graph API, kept current by the template webhooks.</summary>
public sealed class TemplateStoreTests
{
    private static readonly string Fixtures = Channels.WebhookFixtureTests.FixtureDirectory();

    [Fact]
    public async Task Sync_CopiesTheWabasTemplates_AndWebhooksMoveStatusQualityAndCategory()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var (numberId, _) = await app.ConnectSandboxNumberAsync(workspace);
        var wabaId = await app.WithDbAsync(db => db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.Id == numberId).Select(n => n.WabaId).SingleAsync());
        var admin = app.Api(workspace.AdminKey);

        Assert.Empty((await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates"))!);
        var agent = app.Api(await app.CreateKeyAsync(workspace.Slug, "agent"));
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsync("/api/v1/templates/sync", null)).StatusCode);
        var synced = await admin.PostAsync("/api/v1/templates/sync", null);
        Assert.Equal(HttpStatusCode.OK, synced.StatusCode);
        Assert.True((await synced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("added").GetInt32() >= 5);
        var approved = await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates?status=approved");
        var reminder = Assert.Single(approved!, t => t.GetProperty("name").GetString() == "appointment_reminder");
        Assert.Equal("de", reminder.GetProperty("language").GetString());
        Assert.Contains("{{2}}", reminder.GetProperty("components").ToString(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await admin.PostAsync("/api/v1/templates/sync", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("added").GetInt32());

        // Meta rejects a template the store does not know yet, then re-rates and re-categorises a known one.
        var rejected = (await File.ReadAllTextAsync(Path.Combine(Fixtures, "webhook_template_status_rejected.json"))).Replace("102290129340398", wabaId, StringComparison.Ordinal);
        await app.PostWebhookAsync(rejected);
        var templateId = reminder.GetProperty("templateId").GetString();
        await app.PostWebhookAsync(Change(wabaId, "message_template_quality_update", $$"""{"previous_quality_score":"GREEN","new_quality_score":"RED","message_template_id":{{templateId}},"message_template_name":"appointment_reminder","message_template_language":"de"}"""));
        await app.PostWebhookAsync(Change(wabaId, "template_category_update", $$"""{"message_template_id":{{templateId}},"message_template_name":"appointment_reminder","message_template_language":"de","previous_category":"UTILITY","new_category":"MARKETING"}"""));
        await app.WaitForWebhooksAsync();

        var cart = Assert.Single((await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates?name=abandoned_cart"))!);
        Assert.Equal("REJECTED", cart.GetProperty("status").GetString());
        Assert.StartsWith("Your template has parameters placed next to each other", cart.GetProperty("rejectionReason").GetString(), StringComparison.Ordinal);
        var rated = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{reminder.GetProperty("id").GetGuid()}");
        Assert.Equal("RED", rated.GetProperty("quality").GetString());
        Assert.Equal("MARKETING", rated.GetProperty("category").GetString());

        var browser = app.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var page = System.Net.WebUtility.HtmlDecode(await browser.GetStringAsync($"/w/{workspace.Slug}/templates"));
        Assert.Contains("appointment_reminder", page, StringComparison.Ordinal);
        Assert.Contains("Your template has parameters placed next to each other", page, StringComparison.Ordinal);
        Assert.Contains("Quality: RED", page, StringComparison.Ordinal);

        // Removed at Meta, removed here; another workspace sees none of it.
        Assert.Equal(1, (await (await admin.PostAsync("/api/v1/templates/sync", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("removed").GetInt32());
        var other = await app.CreateWorkspaceAsync();
        Assert.Empty((await app.Api(other.AdminKey).GetFromJsonAsync<JsonElement[]>("/api/v1/templates"))!);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Api(other.AdminKey).GetAsync($"/api/v1/templates/{reminder.GetProperty("id").GetGuid()}")).StatusCode);
    }

    [Fact]
    public async Task CreateAndDelete_GoThroughTheCloudApi_AndReviewOutcomesArriveByWebhook()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        await app.ConnectSandboxNumberAsync(workspace);
        var admin = app.Api(workspace.AdminKey);
        object Template(string name, string text, string[] example) => new
        {
            name,
            language = "de",
            category = "UTILITY",
            components = new object[] { new { type = "BODY", text, example = new { body_text = new[] { example } } } },
        };

        var bad = await admin.PostAsJsonAsync("/api/v1/templates", new { name = "Auto Fertig", language = "de", category = "UTILITY", components = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("lower-case letters", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var created = await admin.PostAsJsonAsync("/api/v1/templates", Template("pickup_ready", "Guten Tag {{1}}, Ihr Fahrzeug ist abholbereit.", ["Erika"]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var again = await admin.PostAsJsonAsync("/api/v1/templates", Template("pickup_ready", "Guten Tag {{1}}, Ihr Fahrzeug ist abholbereit.", ["Erika"]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Contains("WhatsApp refused the template", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var glued = await admin.PostAsJsonAsync("/api/v1/templates", Template("glued_params", "Hallo {{1}}{{2}} und tschüss.", ["a", "b"]));
        Assert.Equal(HttpStatusCode.Created, glued.StatusCode);

        await Eventually.ValueAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}")).GetProperty("status").GetString() == "APPROVED" ? true : (bool?)null);
        var rejected = await Eventually.ObjectAsync(async () => (await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates?name=glued_params"))!
            .FirstOrDefault(t => t.GetProperty("status").GetString() == "REJECTED") is { ValueKind: JsonValueKind.Object } t ? (object)t : null);
        Assert.NotNull(((JsonElement)rejected).GetProperty("rejectionReason").GetString());

        // An edit goes to Meta's review again; a second edit of an approved template within a day is refused.
        // (Meta's side decides a review on the test's clock; the webhook above came on the machine's.)
        app.Clock.Advance(TimeSpan.FromSeconds(3));
        var components = new object[] { new { type = "BODY", text = "Hallo {{1}}, Ihr Fahrzeug steht zur Abholung bereit.", example = new { body_text = new[] { new[] { "Erika" } } } } };
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/api/v1/templates/{id}", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Api(await app.CreateKeyAsync(workspace.Slug, "marketer")).PatchAsJsonAsync($"/api/v1/templates/{id}", new { components })).StatusCode);
        var edited = await admin.PatchAsJsonAsync($"/api/v1/templates/{id}", new { components });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal("PENDING", (await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await Eventually.ValueAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}")).GetProperty("status").GetString() == "APPROVED" ? true : (bool?)null);
        Assert.Contains("steht zur Abholung bereit", (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}")).GetProperty("components").ToString(), StringComparison.Ordinal);
        app.Clock.Advance(TimeSpan.FromSeconds(3));
        var twice = await admin.PatchAsJsonAsync($"/api/v1/templates/{id}", new { components });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, twice.StatusCode);
        Assert.Contains("once in 24 hours", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/templates/{id}")).StatusCode);
        await admin.PostAsync("/api/v1/templates/sync", null);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates?name=pickup_ready"))!);
    }

    [Fact]
    public async Task Preview_FillsTheVariablesFromTheContact_WithFallbacks_AndNamesWhatIsMissing()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        await app.ConnectSandboxNumberAsync(workspace);
        var admin = app.Api(workspace.AdminKey);
        await admin.PostAsync("/api/v1/templates/sync", null);
        (await admin.PostAsJsonAsync("/api/v1/attributes", new { key = "plate", type = "text" })).EnsureSuccessStatusCode();
        var erika = (await admin.PostAsJsonAsync("/api/v1/contacts", new { displayName = "Erika", externalId = "crm-1", attributes = new { plate = "B-AB 123" } })).EnsureSuccessStatusCode();
        var erikaId = (await erika.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var nameless = (await (await admin.PostAsJsonAsync("/api/v1/contacts", new { externalId = "crm-2" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var carReady = (await admin.GetFromJsonAsync<JsonElement[]>("/api/v1/templates?name=car_ready"))![0].GetProperty("id").GetGuid();
        var marketer = app.Api(await app.CreateKeyAsync(workspace.Slug, "marketer"));
        var mapping = new Dictionary<string, string> { ["1"] = "{{contact.name|liebe Kundin}}", ["2"] = "{{attr.plate}}" };

        var filled = await (await marketer.PostAsJsonAsync($"/api/v1/templates/{carReady}/preview", new { contactId = erikaId, variables = mapping })).Content.ReadFromJsonAsync<JsonElement>();
        var fallback = await (await marketer.PostAsJsonAsync($"/api/v1/templates/{carReady}/preview", new { contactId = nameless, variables = mapping })).Content.ReadFromJsonAsync<JsonElement>();
        var noContact = await marketer.PostAsJsonAsync($"/api/v1/templates/{carReady}/preview", new { variables = mapping });

        Assert.Equal("Guten Tag Erika, Ihr Fahrzeug B-AB 123 ist fertig und kann abgeholt werden.", filled.GetProperty("body").GetString());
        Assert.Empty(filled.GetProperty("missing").EnumerateArray());
        Assert.StartsWith("Guten Tag liebe Kundin, Ihr Fahrzeug {{2}}", fallback.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal("2", Assert.Single(fallback.GetProperty("missing").EnumerateArray()).GetString());
        Assert.Equal(HttpStatusCode.BadRequest, noContact.StatusCode);
    }

    [Fact]
    public async Task TemplatePages_CreatePreviewEditAndDelete_ThroughTheForms()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        await app.ConnectSandboxNumberAsync(workspace);
        var admin = app.Api(workspace.AdminKey);
        (await admin.PostAsJsonAsync("/api/v1/attributes", new { key = "plate", type = "text" })).EnsureSuccessStatusCode();
        var erika = await (await admin.PostAsJsonAsync("/api/v1/contacts", new { displayName = "Erika", attributes = new { plate = "B-AB 123" } })).Content.ReadFromJsonAsync<JsonElement>();
        var browser = app.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var list = $"/w/{workspace.Slug}/templates";
        Dictionary<string, string> Form(string body, string examples) => new()
        {
            ["name"] = "pickup_ready",
            ["language"] = "de",
            ["category"] = "UTILITY",
            ["header"] = "Werkstatt Müller",
            ["body"] = body,
            ["footer"] = "Antworten Sie STOP zum Abmelden",
            ["buttons"] = "Ich komme heute\nMorgen",
            ["examples"] = examples,
        };

        var bad = await ParleyApp.PostFormAsync(browser, list, "create", Form("Hallo {{1}}, Ihr {{2}} ist fertig.", "Erika"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("in this order: {{1}}, {{2}}", System.Net.WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        var created = await ParleyApp.PostFormAsync(browser, list, "create", Form("Hallo {{1}}, Ihr {{2}} ist fertig.", "Erika\nGolf"));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var page = created.Headers.Location!.OriginalString;
        var id = Guid.Parse(page[(page.LastIndexOf('/') + 1)..]);
        var stored = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}");
        Assert.Equal("PENDING", stored.GetProperty("status").GetString());
        var components = stored.GetProperty("components").ToString();
        Assert.Contains("\"body_text\":[[\"Erika\",\"Golf\"]]", components, StringComparison.Ordinal);
        Assert.Contains("\"QUICK_REPLY\"", components, StringComparison.Ordinal);
        var named = await ParleyApp.PostFormAsync(browser, list, "create", new() { ["name"] = "hello_named", ["language"] = "de", ["category"] = "MARKETING", ["body"] = "Hallo {{first_name}}!", ["examples"] = "Erika" });
        Assert.Equal(HttpStatusCode.Redirect, named.StatusCode);
        await Eventually.ValueAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}")).GetProperty("status").GetString() == "APPROVED" ? true : (bool?)null);

        // The page shows the text and an edit form filled with it; a preview fills in a customer's values.
        var detail = System.Net.WebUtility.HtmlDecode(await browser.GetStringAsync(page));
        Assert.Contains("Hallo {{1}}, Ihr {{2}} ist fertig.", detail, StringComparison.Ordinal);
        Assert.Contains(">Erika\nGolf</textarea>", detail, StringComparison.Ordinal);
        var mapping = "1 = {{contact.name|Kundin}}\n2 = {{attr.plate}}";
        var preview = await ParleyApp.PostFormAsync(browser, page, "preview", new() { ["customerId"] = erika.GetProperty("customerId").GetString()!, ["variables"] = mapping });
        Assert.Contains("Hallo Erika, Ihr B-AB 123 ist fertig.", System.Net.WebUtility.HtmlDecode(await preview.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        var nobody = await ParleyApp.PostFormAsync(browser, page, "preview", new() { ["customerId"] = "C-NOBODY", ["variables"] = mapping });
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);

        // Editing sends the change to Meta's review; deleting removes it at Meta and here.
        app.Clock.Advance(TimeSpan.FromSeconds(3));
        var edited = await ParleyApp.PostFormAsync(browser, page, "edit", Form("Hallo {{1}}, Ihr {{2}} steht bereit.", "Erika\nGolf"));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        stored = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/templates/{id}");
        Assert.Equal("PENDING", stored.GetProperty("status").GetString());
        Assert.Contains("steht bereit", stored.GetProperty("components").ToString(), StringComparison.Ordinal);
        var deleted = await ParleyApp.PostFormAsync(browser, page, "delete", []);
        Assert.Equal(list, deleted.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/templates/{id}")).StatusCode);
    }

    private static string Change(string wabaId, string field, string value) =>
        $$"""{"object":"whatsapp_business_account","entry":[{"id":"{{wabaId}}","time":1751247548,"changes":[{"field":"{{field}}","value":{{value}}}]}]}""";
}
