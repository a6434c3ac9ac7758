using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>Two Parley nodes on one PostgreSQL database, each with its dispatcher running.</summary>
public sealed class MultiNodeTests
{
    [PostgresFact]
    public async Task TwoNodes_SendEveryQueuedMessageExactlyOnce()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = new ParleyApp(database);
        await using var second = new ParleyApp(database);
        await first.InitializeAsync();
        await second.InitializeAsync();
        var workspace = await first.CreateWorkspaceAsync();
        var (numberId, phoneNumberId) = await first.ConnectSandboxNumberAsync(workspace);
        var customer = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        (await first.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new { from = customer, phoneNumberId, type = "text", text = new { body = "Hallo!" } })).EnsureSuccessStatusCode();
        var conversationId = await Eventually.ValueAsync(async () => await first.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.WhatsAppNumberId == numberId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync()));

        // Queued through both nodes at once, while both dispatchers look for work.
        var plates = Enumerable.Range(1, 40).Select(i => $"M-PA {i}").ToList();
        await Task.WhenAll(plates.Select((plate, i) => (i % 2 == 0 ? first : second).Api(workspace.AdminKey).PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new
        {
            type = "template",
            template = new
            {
                name = "car_ready",
                language = new { code = "de" },
                components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Frau Muster" }, new { type = "text", text = plate } } } },
            },
        })));

        await Eventually.ValueAsync(async () => await first.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().CountAsync(o => o.WhatsAppNumberId == numberId && o.State == OutboxState.Done)) == plates.Count ? true : (bool?)null);
        var received = (await SentPlatesAsync(first, customer)).Concat(await SentPlatesAsync(second, customer)).ToList();

        Assert.Equal(plates.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        Assert.All(await first.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().Where(o => o.WhatsAppNumberId == numberId).Select(o => o.Attempts).ToListAsync()), a => Assert.Equal(1, a));
    }

    [PostgresFact]
    public async Task TwoNodes_ProcessEveryWebhookOnce_AndOneTakesOverWhenTheOtherStops()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var first = new ParleyApp(database);
        await using var second = new ParleyApp(database);
        await first.InitializeAsync(); // its processor takes the lock; the second node's stands by
        await second.InitializeAsync();
        var workspace = await first.CreateWorkspaceAsync();
        var phoneNumberId = "77" + Random.Shared.Next(10_000_000, 99_999_999);
        var numberId = await first.ConnectNumberAsync(workspace, phoneNumberId);
        var at = first.Clock.GetUtcNow();

        // Sixty customers write at once, half of the webhooks reaching each node.
        var posted = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? first : second).PostWebhookAsync(
            WhatsAppTestExtensions.InboundText(phoneNumberId, $"4917{20_000_000 + i}", $"wamid.{phoneNumberId}.{i}", $"Nachricht {i}", at.AddSeconds(i)))));
        await first.WaitForWebhooksAsync();

        Assert.All(posted, r => Assert.Equal(System.Net.HttpStatusCode.OK, r.StatusCode));
        var deliveries = await first.WithDbAsync(db => db.WebhookDeliveries.IgnoreQueryFilters().Select(d => new { d.Attempts, d.LastError, d.ProcessedAt }).ToListAsync());
        Assert.Equal(60, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal((0, null, true), (d.Attempts, d.LastError, d.ProcessedAt is not null))); // none applied twice, so none clashed
        Assert.Equal(60, await first.WithDbAsync(db => db.Messages.IgnoreQueryFilters().CountAsync(m => db.Conversations.IgnoreQueryFilters().Any(c => c.Id == m.ConversationId && c.WhatsAppNumberId == numberId))));

        // The processing node stops; the other one takes its place.
        await first.DisposeAsync();
        (await second.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "4917200000", $"wamid.{phoneNumberId}.after", "Noch da?", at.AddMinutes(1)))).EnsureSuccessStatusCode();
        await Eventually.ValueAsync(async () => await second.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ProviderMessageId == $"wamid.{phoneNumberId}.after")) ? true : (bool?)null);
    }

    /// <summary>The plate numbers in the templates a node's own sandbox received for the customer.</summary>
    private static async Task<List<string>> SentPlatesAsync(ParleyApp node, string customer) =>
        [.. (await node.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}")).EnumerateArray()
            .Where(m => m.GetProperty("direction").GetString() == "outbound")
            .Select(m => m.GetProperty("message").GetProperty("template").GetProperty("components")[0].GetProperty("parameters")[1].GetProperty("text").GetString()!)];
}
