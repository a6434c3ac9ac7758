using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Parley.Tests.Infrastructure;
using Parley.Tests.Teams;

namespace Parley.Tests.Identity;

/// <summary>
/// Walks every route that exists, so a new endpoint is covered the day it is added: an object of
/// workspace A is 404 — never 403 — for workspace B.
/// </summary>
public sealed class WorkspaceIsolationTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task EveryApiRouteWithAnId_AnswersAnotherWorkspacesObjectWith404()
    {
        var a = await App.CreateWorkspaceAsync();
        var b = await App.CreateWorkspaceAsync();
        var aKeys = await App.Api(a.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/api-keys");
        var phoneNumberId = "3" + Random.Shared.NextInt64(1_000_000_000);
        var numberId = await App.ConnectNumberAsync(a, phoneNumberId);
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491700000001", "wamid.iso" + phoneNumberId, "Hallo", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000)));
        await App.WaitForWebhooksAsync();
        await App.PostWebhookAsync($$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"1","phone_number_id":"{{{phoneNumberId}}}"},
             "messages":[{"from":"491700000001","id":"wamid.isomedia{{{phoneNumberId}}}","timestamp":"1790000001","type":"image","image":{"id":"99","mime_type":"image/png","sha256":"x"}}]}}]}]}
            """);
        await App.WaitForWebhooksAsync();
        var conversation = (await App.Api(a.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var media = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.MediaFiles), m => m.ProviderMediaId == "99"));
        var admin = App.Api(a.AdminKey);
        var contact = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/contacts")).GetProperty("items")[0].GetProperty("id").GetGuid();
        async Task<Guid> Create(string path, object body) =>
            (await (await admin.PostAsJsonAsync(path, body)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var objectsOfA = new Dictionary<string, Guid>
        {
            ["contacts"] = contact,
            ["attributes"] = await Create("/api/v1/attributes", new { key = "city", type = "text" }),
            ["labels"] = await Create("/api/v1/labels", new { name = "VIP" }),
            ["lists"] = await Create("/api/v1/lists", new { name = "Fair" }),
            ["segments"] = await Create("/api/v1/segments", new { name = "All", filter = new { type = "all", conditions = Array.Empty<object>() } }),
            ["canned-replies"] = await Create("/api/v1/canned-replies", new { shortcut = "iso", body = "Hallo" }),
            ["users"] = a.Owner.Id,
            ["api-keys"] = aKeys[0].GetProperty("id").GetGuid(),
            ["channels"] = numberId,
            ["conversations"] = conversation,
            ["media"] = media.Id,
            ["teams"] = await App.CreateTeamAsync(a, "Isolation"),
            ["agents"] = a.Owner.Id,
            ["templates"] = await App.WithDbAsync(async db =>
            {
                var workspaceId = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                    Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers).Where(n => n.Id == numberId).Select(n => n.WorkspaceId));
                var template = new Parley.Templates.WhatsAppTemplate { WorkspaceId = workspaceId, WabaId = "1", Name = "iso", Language = "de", Status = "APPROVED", UpdatedAt = App.Clock.GetUtcNow().UtcDateTime };
                db.WhatsAppTemplates.Add(template);
                await db.SaveChangesAsync();
                return template.Id;
            }),
            ["campaigns"] = await App.WithDbAsync(async db =>
            {
                var workspaceId = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
                    Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers).Where(n => n.Id == numberId).Select(n => n.WorkspaceId));
                var now = App.Clock.GetUtcNow().UtcDateTime;
                var campaign = new Parley.Campaigns.Campaign
                {
                    WorkspaceId = workspaceId,
                    Name = "iso",
                    TemplateName = "iso",
                    TemplateLanguage = "de",
                    TemplateCategory = "MARKETING",
                    Purpose = "marketing",
                    Variables = "{}",
                    Audience = "{}",
                    Numbers = $"[\"{numberId}\"]",
                    TimeZone = "Europe/Berlin",
                    Estimate = "{}",
                    Recipients = 0,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.Campaigns.Add(campaign);
                await db.SaveChangesAsync();
                return campaign.Id;
            }),
        };

        var routes = ApiRoutes().Where(r => r.Pattern.Contains("{id", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(routes);
        foreach (var (method, pattern) in routes)
        {
            var resource = pattern.Split('/')[2];
            Assert.True(objectsOfA.TryGetValue(resource, out var id), $"The isolation test does not know how to make a '{resource}' object for {method} /{pattern}; add one.");
            var request = new HttpRequestMessage(new HttpMethod(method), "/" + pattern.Replace("{id:guid}", id.ToString(), StringComparison.Ordinal));
            if (method is "POST" or "PATCH" or "PUT")
            {
                request.Content = JsonContent.Create(new { role = "viewer", name = "x" });
            }

            var response = await App.Api(b.AdminKey).SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} /{pattern} answered {(int)response.StatusCode} for another workspace's object");
        }

        // Nothing of A was touched by B's attempts.
        var owner = await App.Api(a.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/users/{a.Owner.Id}");
        Assert.Equal("owner", owner.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.OK, (await App.Api(a.AdminKey).GetAsync("/api/v1/workspace")).StatusCode);
    }

    [Fact]
    public async Task EveryApiListRoute_ShowsOnlyTheCallersWorkspace()
    {
        var a = await App.CreateWorkspaceAsync();
        var b = await App.CreateWorkspaceAsync();
        await ParleyApp.SignInAsync(App.Browser(), a.Owner.Email, a.Owner.Password);

        foreach (var (_, pattern) in ApiRoutes().Where(r => r.Method == "GET" && !r.Pattern.Contains('{', StringComparison.Ordinal)))
        {
            var body = await App.Api(b.AdminKey).GetStringAsync("/" + pattern);

            Assert.DoesNotContain(a.Owner.Id.ToString(), body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(a.Owner.Email, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(a.Slug, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryWorkspacePage_IsNotFoundForSomeoneFromAnotherWorkspace()
    {
        var a = await App.CreateWorkspaceAsync();
        var b = await App.CreateWorkspaceAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, b.Owner.Email, b.Owner.Password);

        // Pages of one object (a conversation, a contact, one kind of contact set) and the live hub (InboxLiveTests)
        // have isolation tests of their own.
        var pages = Endpoints().Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.SignalR.HubMetadata>() is null && e.RoutePattern.Parameters.Count == 1)
            .Select(e => e.RoutePattern.RawText ?? "").Where(p => p.Contains("{workspace}", StringComparison.Ordinal)).Distinct().ToList();
        Assert.NotEmpty(pages);
        foreach (var page in pages)
        {
            var ownPath = "/" + page.Replace("{workspace}", b.Slug, StringComparison.Ordinal);
            var foreignPath = "/" + page.Replace("{workspace}", a.Slug, StringComparison.Ordinal);

            Assert.True(HttpStatusCode.OK == (await browser.GetAsync(ownPath)).StatusCode, ownPath);
            Assert.True(HttpStatusCode.NotFound == (await browser.GetAsync(foreignPath)).StatusCode, foreignPath);
        }
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    private IEnumerable<(string Method, string Pattern)> ApiRoutes() =>
        from endpoint in Endpoints()
        let pattern = endpoint.RoutePattern.RawText?.TrimStart('/') ?? ""
        where pattern.StartsWith("api/v1", StringComparison.Ordinal)
        from method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []
        select (method, pattern.TrimEnd('/'));
}
