using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Inbox;

public sealed class InboxLiveTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private async Task<(TestWorkspace Workspace, string PhoneNumberId)> WorkspaceWithNumberAsync()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "4" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        return (workspace, phoneNumberId);
    }

    private async Task CustomerWritesAsync(string phoneNumberId, string from, string text)
    {
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, from, $"wamid.{Guid.NewGuid():N}", text, App.Clock.GetUtcNow()));
        await App.WaitForWebhooksAsync();
    }

    private static async Task<JsonElement> ChangesAsync(HttpClient browser, string slug, long? after)
    {
        var response = await browser.GetAsync($"/w/{slug}/inbox/changes{(after is null ? "" : $"?after={after}")}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task TheHub_RingsOnlyTheWorkspaceThatChanged_AndTheFeedNamesTheNewMessage()
    {
        var (a, aNumber) = await WorkspaceWithNumberAsync();
        var (_, bNumber) = await WorkspaceWithNumberAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, a.Owner.Email, a.Owner.Password);
        var cursor = (await ChangesAsync(browser, a.Slug, null)).GetProperty("cursor").GetInt64();
        await using var hub = await HubClient.ConnectAsync(App, a.Slug, a.Owner);

        await CustomerWritesAsync(bNumber, "4915100000001", "Für B");
        Assert.Null(await hub.NextAsync("changed", TimeSpan.FromSeconds(1)));
        await CustomerWritesAsync(aNumber, "4915100000002", "Für A");
        Assert.NotNull(await hub.NextAsync("changed", TimeSpan.FromSeconds(5)));

        var batch = await ChangesAsync(browser, a.Slug, cursor);
        var message = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.Messages), m => m.Content.Contains("Für A")));
        var changes = batch.GetProperty("changes").EnumerateArray().ToList();
        Assert.Contains(message.Id, MessageIds(batch));
        Assert.All(changes, c => Assert.Equal(message.ConversationId, c.GetProperty("conversationId").GetGuid()));

        // Caught up: the same cursor again brings nothing twice.
        var again = await ChangesAsync(browser, a.Slug, batch.GetProperty("cursor").GetInt64());
        Assert.Empty(again.GetProperty("changes").EnumerateArray());
    }

    [Fact]
    public async Task AfterALostConnection_TheFeedCatchesUpOnEverythingInOrder()
    {
        var (a, aNumber) = await WorkspaceWithNumberAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, a.Owner.Email, a.Owner.Password);
        var cursor = (await ChangesAsync(browser, a.Slug, null)).GetProperty("cursor").GetInt64();

        // Nobody is connected while three customers write.
        for (var i = 0; i < 3; i++)
        {
            await CustomerWritesAsync(aNumber, $"491520000000{i}", $"Offline {i}");
        }

        // On PostgreSQL the feed holds changes back while an older transaction anywhere on the server is still
        // open (another test's, here): it could commit changes before them. So the client asks again.
        var messages = await Eventually.ObjectAsync(async () =>
        {
            var batch = await ChangesAsync(browser, a.Slug, cursor);
            var found = batch.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("messageId").ValueKind != JsonValueKind.Null).ToList();
            return found.Count >= 3 ? found : null;
        });
        Assert.Equal(3, messages.Count);
        Assert.Equal(3, messages.Select(m => m.GetProperty("conversationId").GetGuid()).Distinct().Count());
    }

    [Fact]
    public async Task TheFeed_NamesAMessageWhoseStatusMoved_NotOneWhoseWamidOrPricingAloneChanged()
    {
        var (a, aNumber) = await WorkspaceWithNumberAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, a.Owner.Email, a.Owner.Password);
        await CustomerWritesAsync(aNumber, "4915300000001", "Hallo");
        var conversation = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters()
            .Join(db.WhatsAppNumbers.IgnoreQueryFilters().Where(n => n.PhoneNumberId == aNumber), c => c.WhatsAppNumberId, n => n.Id, (c, _) => c).SingleAsync());
        var message = new Message
        {
            WorkspaceId = conversation.WorkspaceId,
            ConversationId = conversation.Id,
            Direction = MessageDirection.Outbound,
            Type = "text",
            Content = """{"body":"Danke!"}""",
            Status = MessageStatus.Queued,
            CreatedAt = App.Clock.GetUtcNow().UtcDateTime,
        };
        await App.WithDbAsync(async db =>
        {
            db.Messages.Add(message);
            return await db.SaveChangesAsync();
        });
        var cursor = await Eventually.ValueAsync(async () =>
        {
            var batch = await ChangesAsync(browser, a.Slug, 0);
            return Named(batch, message.Id) > 0 ? batch.GetProperty("cursor").GetInt64() : (long?)null;
        });

        var wamid = $"wamid.{Guid.NewGuid():N}";
        await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m.SetProperty(x => x.ProviderMessageId, wamid)));
        await App.PostWebhookAsync(Status(aNumber, wamid, "delivered", null));
        await App.WaitForWebhooksAsync();
        await App.PostWebhookAsync(Status(aNumber, wamid, "delivered", "marketing"));
        await App.WaitForWebhooksAsync();
        // A later change in the same conversation: once it shows, everything before it has shown too.
        await CustomerWritesAsync(aNumber, "4915300000001", "Noch da?");

        var changes = await Eventually.ValueAsync(async () =>
        {
            var batch = await ChangesAsync(browser, a.Slug, cursor);
            return MessageIds(batch).Any(id => id != message.Id) ? batch : (JsonElement?)null;
        });
        var stored = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.Id == message.Id));
        Assert.Equal((MessageStatus.Delivered, "marketing"), (stored.Status, stored.PricingCategory));
        Assert.Equal(1, Named(changes, message.Id));
    }

    private static string Status(string phoneNumberId, string wamid, string status, string? category) =>
        $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"100200300","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
         "metadata":{"display_phone_number":"49301234567","phone_number_id":"{{{phoneNumberId}}}"},
         "statuses":[{"id":"{{{wamid}}}","status":"{{{status}}}","timestamp":"1790000000","recipient_id":"4915300000001"{{{(category is null ? "" : $$""","pricing":{"billable":true,"pricing_model":"PMP","category":"{{category}}","type":"regular"}""")}}}}]}}]}]}
        """;

    /// <summary>How many of the feed's changes name the message.</summary>
    private static int Named(JsonElement batch, Guid messageId) => MessageIds(batch).Count(id => id == messageId);

    /// <summary>The messages the feed's changes name (a conversation's own changes name none).</summary>
    private static IEnumerable<Guid> MessageIds(JsonElement batch) =>
        batch.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("messageId").ValueKind != JsonValueKind.Null).Select(c => c.GetProperty("messageId").GetGuid());

    [Fact]
    public async Task TheHub_RefusesAnotherWorkspace_AndPeopleWhoCannotReadConversations()
    {
        var (a, _) = await WorkspaceWithNumberAsync();
        var (b, _) = await WorkspaceWithNumberAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, b.Owner.Email, b.Owner.Password);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{b.Slug}/inbox");

        var own = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/w/{b.Slug}/inbox/live/negotiate?negotiateVersion=1") { Headers = { { "RequestVerificationToken", token } } });
        var foreign = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/w/{a.Slug}/inbox/live/negotiate?negotiateVersion=1") { Headers = { { "RequestVerificationToken", token } } });
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/w/{a.Slug}/inbox/changes?after=0")).StatusCode);

        var marketer = await App.AddUserAsync(b.Slug, "marketer");
        var marketerBrowser = App.Browser();
        await ParleyApp.SignInAsync(marketerBrowser, marketer.Email, marketer.Password);
        var refused = await marketerBrowser.PostAsync($"/w/{b.Slug}/inbox/live/negotiate?negotiateVersion=1", null);
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
    }

    [Fact]
    public async Task TwoAgentsInOneConversation_SeeEachOtherTyping_ButNotAcrossWorkspaces()
    {
        var (a, aNumber) = await WorkspaceWithNumberAsync();
        var (b, _) = await WorkspaceWithNumberAsync();
        await CustomerWritesAsync(aNumber, "4915300000001", "Hallo");
        var conversation = (await App.Api(a.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var colleague = await App.AddUserAsync(a.Slug, "agent");
        await using var first = await HubClient.ConnectAsync(App, a.Slug, a.Owner);
        await using var second = await HubClient.ConnectAsync(App, a.Slug, colleague);
        await using var stranger = await HubClient.ConnectAsync(App, b.Slug, b.Owner);

        await second.InvokeAsync("Presence", conversation, "viewing");
        await stranger.InvokeAsync("Presence", conversation, "viewing");
        await first.InvokeAsync("Presence", conversation, "typing");

        var seen = await second.NextAsync("presence", TimeSpan.FromSeconds(5));
        Assert.NotNull(seen);
        var presence = seen.Value.GetProperty("arguments")[0];
        Assert.Equal("typing", presence.GetProperty("activity").GetString());
        Assert.Equal("owner person", presence.GetProperty("name").GetString());
        Assert.Null(await stranger.NextAsync("presence", TimeSpan.FromSeconds(1)));
    }
}
