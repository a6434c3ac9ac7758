using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class WebhookIntakeTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Verification_WithTheRightToken_EchoesTheChallenge()
    {
        var response = await App.Api(null).GetAsync($"/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={ParleyApp.VerifyToken}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Verification_WithAWrongToken_IsRefused()
    {
        var response = await App.Api(null).GetAsync("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sha256=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("sha1=abc")]
    [InlineData("sha256=zz")]
    public async Task Webhook_WithBadSignature_IsRejectedAndNothingStored(string? signature)
    {
        var body = Encoding.UTF8.GetBytes(WhatsAppTestExtensions.InboundText("9" + Random.Shared.NextInt64(1_000_000_000), "491701234567", "wamid.bad" + Guid.NewGuid(), "Hallo", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000)));
        await App.WaitForWebhooksAsync(); // other tests' deliveries may still be on their way into webhook_deliveries
        var before = await App.WithDbAsync(db => db.WebhookDeliveries.CountAsync());

        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature);
        }

        var response = await App.Api(null).SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Hub-Signature-256 is missing or does not match the body.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await App.WaitForWebhooksAsync();
        Assert.Equal(before, await App.WithDbAsync(db => db.WebhookDeliveries.CountAsync()));
    }

    [Fact]
    public async Task Webhook_SignedOverTheExactBytes_IsAccepted_EvenWithEscapesMetaUses()
    {
        // Meta escapes non-ASCII and slashes; the signature covers those bytes, not a re-serialisation.
        const string escaped = """{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"note":"Gr\u00fc\u00dfe aus M\u00fcnchen","url":"https:\/\/example.com\/a"}}]}]}""";
        const string raw = """{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"note":"Grüße aus München 🙂","url":"https://example.com/a"}}]}]}""";

        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(escaped)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(raw)).StatusCode);

        var reserialised = JsonSerializer.Serialize(JsonDocument.Parse(escaped).RootElement);
        var signedOverOriginal = WebhookSignature.Sign(Encoding.UTF8.GetBytes(escaped), ParleyApp.AppSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.PostWebhookAsync(Encoding.UTF8.GetBytes(reserialised), signedOverOriginal)).StatusCode);
    }

    [Fact]
    public async Task Webhook_WithEmptyBody_IsStoredAnswered200_AndBecomesADeadLetter()
    {
        var response = await App.PostWebhookAsync([]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await App.WaitForWebhooksAsync();
        var dead = await App.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.Body.Length == 0).ToListAsync());
        Assert.All(dead, d => Assert.NotNull(d.DeadAt));
        Assert.Contains(dead, d => d.LastError!.Contains("not JSON", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_ThatIsNotAWhatsAppPayload_IsADeadLetter_NotLost()
    {
        var response = await App.PostWebhookAsync("""{"object":"page","entry":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await App.WaitForWebhooksAsync();
        var stored = await App.WithDbAsync(db => db.WebhookDeliveries.OrderByDescending(d => d.Id).FirstAsync());
        Assert.NotNull(stored.DeadAt);
        Assert.Equal("""{"object":"page","entry":[]}""", Encoding.UTF8.GetString(stored.Body));
    }

    [Fact]
    public async Task InboundText_CreatesContactConversationAndMessage_WithTheServiceWindow()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "7" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);

        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491701234567", "wamid.T1" + phoneNumberId, "Wann habt ihr offen?", at))).StatusCode);
        await App.WaitForWebhooksAsync();

        var api = App.Api(workspace.AdminKey);
        var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/conversations");
        var conversation = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("Erika Mustermann", conversation.GetProperty("contact").GetProperty("name").GetString());
        Assert.Equal("491701234567", conversation.GetProperty("contact").GetProperty("waId").GetString());
        Assert.Equal(at.UtcDateTime.AddHours(24), conversation.GetProperty("windowClosesAt").GetDateTime());

        var messages = await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation.GetProperty("id").GetGuid()}/messages");
        var message = Assert.Single(messages.GetProperty("items").EnumerateArray());
        Assert.Equal(("inbound", "text", "received"), (message.GetProperty("direction").GetString(), message.GetProperty("type").GetString(), message.GetProperty("status").GetString()));
        Assert.Equal("Wann habt ihr offen?", message.GetProperty("content").GetProperty("body").GetString());
        Assert.Equal("wamid.T1" + phoneNumberId, message.GetProperty("providerMessageId").GetString());
    }

    [Fact]
    public async Task AConversationWhoseItemsFail_IsRetriedAndSetAside_WhileTheOtherConversationsOfItsBatchAreApplied()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "5" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var poison = "Gift" + Guid.NewGuid().ToString("N")[..8];
        var at = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);

        // The database refuses to store one customer's message, as a broken disk page or a bug would.
        await App.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(TestDatabase.IsPostgres
            ? $"CREATE FUNCTION refuse_{poison}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.content LIKE '%{poison}%' THEN RAISE EXCEPTION 'refused {poison}'; END IF; RETURN NEW; END $$; "
                + $"CREATE TRIGGER refuse_{poison} BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_{poison}();"
            : $"CREATE TRIGGER refuse_{poison} BEFORE INSERT ON messages WHEN NEW.content LIKE '%{poison}%' BEGIN SELECT RAISE(ABORT, 'refused {poison}'); END;"));
        // One delivery with two customers' messages (two conversations), and another delivery beside it.
        var both = JsonNode.Parse(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550001", $"wamid.good{poison}", "Hallo", at))!;
        var poisoned = JsonNode.Parse(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550002", $"wamid.bad{poison}", poison, at))!;
        both["entry"]!.AsArray().Add(poisoned["entry"]![0]!.DeepClone());
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(both.ToJsonString())).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550003", $"wamid.other{poison}", "Guten Tag", at))).StatusCode);
            await App.WaitForWebhooksAsync();
        }
        finally
        {
            await App.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(TestDatabase.IsPostgres
                ? $"DROP TRIGGER refuse_{poison} ON messages; DROP FUNCTION refuse_{poison}();"
                : $"DROP TRIGGER refuse_{poison};"));
        }

        var stored = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ProviderMessageId!.EndsWith(poison)).Select(m => m.ProviderMessageId).ToListAsync());
        Assert.Equal([$"wamid.good{poison}", $"wamid.other{poison}"], stored.Order()); // each once, though the first was applied with every retry
        var deliveries = await App.WithDbAsync(db => db.WebhookDeliveries.OrderByDescending(d => d.Id).Take(2).ToListAsync());
        var dead = Assert.Single(deliveries, d => d.DeadAt is not null);
        Assert.Equal(WebhookProcessor.MaxAttempts, dead.Attempts);
        Assert.Contains($"refused {poison}", dead.LastError, StringComparison.Ordinal);
        Assert.Equal(both.ToJsonString(), Encoding.UTF8.GetString(dead.Body));
        Assert.NotNull(Assert.Single(deliveries, d => d.DeadAt is null).ProcessedAt);
    }

    [PostgresFact]
    public async Task AnIntakeWhoseConnectionWasCut_Answers503ForThoseDeliveries_AndStoresTheNextOnANewOne()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "4" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var at = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        string Delivery(string name) => WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550010", $"wamid.{name}{phoneNumberId}", name, at);
        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(Delivery("before"))).StatusCode);

        // The intake keeps its own connection; the database ends it, as a restart or a failover would.
        const string intake = $"FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{WebhookIntake.ApplicationName}'";
        Assert.Equal(1, await App.WithDbAsync(db => db.Database.SqlQueryRaw<int>($"SELECT count(*)::int AS \"Value\" FROM (SELECT pg_terminate_backend(pid) {intake}) AS ended").SingleAsync()));
        await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Database.SqlQueryRaw<int>($"SELECT count(*)::int AS \"Value\" {intake}").SingleAsync()) == 0 ? true : (bool?)null);

        var cut = await App.PostWebhookAsync(Delivery("cut"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cut.StatusCode); // Meta retries it
        Assert.Contains("could not be stored; please retry", await cut.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(Delivery("after"))).StatusCode);
        await App.WaitForWebhooksAsync();

        var stored = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ProviderMessageId!.EndsWith(phoneNumberId)).Select(m => m.ProviderMessageId).ToListAsync());
        Assert.Equal([$"wamid.after{phoneNumberId}", $"wamid.before{phoneNumberId}"], stored.Order());
    }

    [Fact]
    public async Task MetaEscapedText_IsStoredAndServedAsWritten()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "8" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);

        // InboundText serialises the body with escapes, as Meta does: "Gr\u00fc\u00dfe".
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491701234568", "wamid.esc" + phoneNumberId, "Grüße aus München", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000)));
        await App.WaitForWebhooksAsync();

        var stored = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ProviderMessageId == "wamid.esc" + phoneNumberId));
        Assert.Equal("""{"body":"Grüße aus München"}""", stored.Content);
    }

    [Fact]
    public async Task TheSameMessageTwice_IsStoredOnce()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "6" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var body = WhatsAppTestExtensions.InboundText(phoneNumberId, "491709999999", "wamid.dup" + phoneNumberId, "Hallo", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000));

        await App.PostWebhookAsync(body);
        await App.PostWebhookAsync(body);
        await App.WaitForWebhooksAsync();

        Assert.Equal(1, await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().CountAsync(m => m.ProviderMessageId == "wamid.dup" + phoneNumberId)));
    }

    [Fact]
    public async Task ABatch_WithManyEntriesChangesAndMessages_IsAppliedCompletely()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "5" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var entries = Enumerable.Range(0, 3).Select(e => $$$"""
            {"id":"100200300","changes":[{{{string.Join(",", Enumerable.Range(0, 4).Select(c => $$$"""
              {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"{{{phoneNumberId}}}"},
               "contacts":[{"profile":{"name":"C{{{c}}}"},"wa_id":"4917000000{{{c}}}"}],
               "messages":[
                 {"from":"4917000000{{{c}}}","id":"wamid.b{{{e}}}{{{c}}}a{{{phoneNumberId}}}","timestamp":"1790000000","type":"text","text":{"body":"a"}},
                 {"from":"4917000000{{{c}}}","id":"wamid.b{{{e}}}{{{c}}}b{{{phoneNumberId}}}","timestamp":"1790000001","type":"text","text":{"body":"b"}}]}}
              """))}}}]}
            """);
        var body = $$$"""{"object":"whatsapp_business_account","entry":[{{{string.Join(",", entries)}}}]}""";

        Assert.Equal(HttpStatusCode.OK, (await App.PostWebhookAsync(body)).StatusCode);
        await App.WaitForWebhooksAsync();

        Assert.Equal(24, await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().CountAsync(m => m.ProviderMessageId!.EndsWith(phoneNumberId))));
        Assert.Equal(4, await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().CountAsync(c => c.WaId!.StartsWith("4917000000") && db.Conversations.IgnoreQueryFilters().Any(v => v.ContactId == c.Id && v.WorkspaceId == c.WorkspaceId && db.WhatsAppNumbers.IgnoreQueryFilters().Any(n => n.Id == v.WhatsAppNumberId && n.PhoneNumberId == phoneNumberId)))));
    }

    [Fact]
    public async Task AMessageForANumberNobodyConnected_IsKeptAsAnUnroutedEvent()
    {
        var phoneNumberId = "4" + Random.Shared.NextInt64(1_000_000_000);

        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491701111111", "wamid.nobody" + phoneNumberId, "Hallo?", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000)));
        await App.WaitForWebhooksAsync();

        var events = await App.WithDbAsync(db => db.WhatsAppEvents.IgnoreQueryFilters().Where(e => e.Field == "unrouted:messages").Select(e => e.Payload).ToListAsync());
        Assert.Contains(events, p => p.Contains("wamid.nobody" + phoneNumberId, StringComparison.Ordinal));
    }
}
