using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>Consent is enforced where messages are queued and again where they are sent, not in the UI.</summary>
public sealed class ConsentEnforcementTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private static object SpringOffer(string purpose = "marketing") => new
    {
        type = "template",
        purpose,
        template = new { name = "spring_offer", language = new { code = "de" }, components = new[] { new { type = "body", parameters = new[] { new { type = "text", text = "Frau Berg" } } } } },
    };

    [Fact]
    public async Task Marketing_WithoutConsent_IsRefusedWithTheReason_AndTheRefusalIsRecordedOnTheMessage()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);

        var response = await api.PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", SpringOffer());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("consent for 'marketing'", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var messages = await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{customer.ConversationId}/messages");
        var refused = messages.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("direction").GetString() == "outbound");
        Assert.Equal(("failed", "marketing", "no_consent"), (refused.GetProperty("status").GetString(), refused.GetProperty("purpose").GetString(), refused.GetProperty("refusal").GetString()));
        Assert.False(await App.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().AnyAsync(o => o.MessageId == refused.GetProperty("id").GetGuid())));
    }

    [Fact]
    public async Task Marketing_WithCurrentConsent_GoesOut_AndAfterAWithdrawalItDoesNot()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");

        var allowed = await api.PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", SpringOffer());
        Assert.Equal(HttpStatusCode.Accepted, allowed.StatusCode);
        var id = (await allowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.Id == id && m.ProviderMessageId != null)) ? true : (bool?)null);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "withdraw");
        var refused = await api.PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", SpringOffer());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("withdrew consent for 'marketing'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceReply_InsideTheWindow_NeedsNoConsent_EvenAfterAServiceWithdrawal_ButOutsideItTheWithdrawalHolds()
    {
        var customer = await App.SandboxCustomerAsync();
        var api = App.Api(customer.Workspace.AdminKey);
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "service", "withdraw");

        var reply = await api.PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new { type = "text", text = new { body = "Gern geschehen." } });
        App.Clock.Advance(TimeSpan.FromHours(25));
        var later = await api.PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new
        {
            type = "template",
            template = new { name = "hello_world", language = new { code = "en_US" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        Assert.Equal("service", (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("purpose").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, later.StatusCode);
    }

    [Fact]
    public async Task AnUnknownPurpose_IsA400NamingPurpose()
    {
        var customer = await App.SandboxCustomerAsync();

        var response = await App.Api(customer.Workspace.AdminKey).PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new { type = "text", purpose = "lottery", text = new { body = "Sie haben gewonnen!" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("purpose", out _));
        Assert.False(await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ConversationId == customer.ConversationId && m.Direction == MessageDirection.Outbound)));
    }

    [Fact]
    public async Task AWithdrawal_WhileMarketingWaitsInTheOutbox_SuppressesItBeforeDispatch()
    {
        var customer = await App.SandboxCustomerAsync();
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant");
        var due = App.Clock.GetUtcNow().UtcDateTime.AddMinutes(30);
        var waiting = await QueueMarketingAsync(customer, due);
        var control = await QueueMarketingAsync(customer, due, "surveys");
        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "surveys", "grant");

        await App.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "withdraw");
        App.Clock.Advance(TimeSpan.FromHours(1));

        var suppressed = await Eventually.ObjectAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().FirstAsync(m => m.Id == waiting)) is { Status: MessageStatus.Failed } m ? m : null);
        Assert.Equal("consent_withdrawn", suppressed.Refusal);
        Assert.Null(suppressed.ProviderMessageId);
        Assert.Equal(OutboxState.Failed, await App.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().Where(o => o.MessageId == waiting).Select(o => o.State).SingleAsync()));

        // The survey of the same chunk, still consented, went out.
        await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.Id == control && m.ProviderMessageId != null)) ? true : (bool?)null);
        Assert.Equal(["Umfrage"], await App.ReceivedTextsAsync(customer.WaId));
    }

    /// <summary>A message queued earlier, due later: as if it had waited behind others in the outbox.</summary>
    private Task<Guid> QueueMarketingAsync(SandboxCustomer customer, DateTime due, string purpose = "marketing") => App.WithDbAsync(async db =>
    {
        var workspaceId = await db.Conversations.IgnoreQueryFilters().Where(c => c.Id == customer.ConversationId).Select(c => c.WorkspaceId).SingleAsync();
        var now = App.Clock.GetUtcNow().UtcDateTime;
        var message = new Message
        {
            WorkspaceId = workspaceId,
            ConversationId = customer.ConversationId,
            Direction = MessageDirection.Outbound,
            Type = "text",
            Content = JsonSerializer.Serialize(new { body = purpose == "marketing" ? "Angebot" : "Umfrage" }),
            Status = MessageStatus.Queued,
            Purpose = purpose,
            CreatedAt = now,
        };
        db.Messages.Add(message);
        db.Outbox.Add(new OutboxEntry { MessageId = message.Id, WorkspaceId = workspaceId, WhatsAppNumberId = customer.NumberId, NextAttemptAt = due, CreatedAt = now });
        await db.SaveChangesAsync();
        return message.Id;
    });
}
