using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>A workspace on a sandbox number with one customer who has written in.</summary>
public sealed record SandboxCustomer(TestWorkspace Workspace, Guid NumberId, string PhoneNumberId, string WaId, Guid ConversationId, Guid ContactId);

public static class ConsentTestExtensions
{
    public static async Task<SandboxCustomer> SandboxCustomerAsync(this ParleyApp app, string firstMessage = "Hallo!")
    {
        var workspace = await app.CreateWorkspaceAsync();
        var (numberId, phoneNumberId) = await app.ConnectSandboxNumberAsync(workspace);
        var customer = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        await app.CustomerWritesAsync(phoneNumberId, customer, firstMessage);
        var (conversationId, contactId) = await app.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.WhatsAppNumberId == numberId)
            .Select(c => new ValueTuple<Guid, Guid>(c.Id, c.ContactId)).SingleAsync());
        return new SandboxCustomer(workspace, numberId, phoneNumberId, customer, conversationId, contactId);
    }

    /// <summary>The customer writes through the sandbox (a real, signed webhook); waits until Parley has processed it.</summary>
    public static async Task CustomerWritesAsync(this ParleyApp app, string phoneNumberId, string customer, string text)
    {
        var inbound = await app.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new { from = customer, profileName = "Sandra Sandbox", phoneNumberId, type = "text", text = new { body = text } });
        inbound.EnsureSuccessStatusCode();
        var wamid = (await inbound.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await Eventually.ValueAsync(async () => await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ProviderMessageId == wamid)) ? true : (bool?)null);
        await app.WaitForWebhooksAsync();
    }

    public static Task<HttpResponseMessage> RecordConsentAsync(this ParleyApp app, string key, Guid contactId, string purpose, string action, string? wording = "I agree to receive offers by WhatsApp.", string? source = "api", DateTime? occurredAt = null) =>
        app.Api(key).PostAsJsonAsync($"/api/v1/contacts/{contactId}/consent", new { purpose, action, source, wording, channel = "web", evidence = "form-4711", occurredAt });

    public static Task<JsonElement> ConsentOfAsync(this ParleyApp app, string key, Guid contactId) =>
        app.Api(key).GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{contactId}/consent");

    public static string StateOf(JsonElement consent, string purpose) =>
        consent.GetProperty("purposes").EnumerateArray().Single(p => p.GetProperty("purpose").GetString() == purpose).GetProperty("state").GetString()!;

    /// <summary>What the business sent to the customer, as the sandbox phone saw it (texts only).</summary>
    public static async Task<List<string>> ReceivedTextsAsync(this ParleyApp app, string customer) =>
        [.. (await app.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}")).EnumerateArray()
            .Where(m => m.GetProperty("direction").GetString() == "outbound" && m.GetProperty("type").GetString() == "text")
            .Select(m => m.GetProperty("message").GetProperty("text").GetProperty("body").GetString()!)];
}
