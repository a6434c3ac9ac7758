using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Inbox;
using Parley.Teams;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

public static class TeamsTestExtensions
{
    public static async Task<Guid> CreateTeamAsync(this ParleyApp app, TestWorkspace workspace, string name, bool autoAssign = true)
    {
        var response = await app.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/teams", new { name, autoAssign });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task AddToTeamAsync(this ParleyApp app, TestWorkspace workspace, Guid teamId, Guid userId) =>
        (await app.Api(workspace.AdminKey).PostAsJsonAsync($"/api/v1/teams/{teamId}/members", new { userId })).EnsureSuccessStatusCode();

    /// <summary>Sets an agent's availability and/or capacity through the API.</summary>
    public static async Task SetAgentAsync(this ParleyApp app, TestWorkspace workspace, Guid userId, string? availability, int? maxOpenConversations = null) =>
        (await app.Api(workspace.AdminKey).PatchAsJsonAsync($"/api/v1/agents/{userId}", new { availability, maxOpenConversations })).EnsureSuccessStatusCode();

    /// <summary>A number whose new conversations go to <paramref name="teamId"/>; returns its phone number id.</summary>
    public static async Task<string> ConnectTeamNumberAsync(this ParleyApp app, TestWorkspace workspace, Guid teamId)
    {
        var phoneNumberId = "7" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        var numberId = await app.ConnectNumberAsync(workspace, phoneNumberId);
        (await app.Api(workspace.AdminKey).PatchAsJsonAsync($"/api/v1/channels/whatsapp/{numberId}", new { teamId })).EnsureSuccessStatusCode();
        return phoneNumberId;
    }

    /// <summary>Customers write in one after the other (a minute apart); returns their conversations in that order.</summary>
    public static async Task<List<Guid>> CustomersWriteAsync(this ParleyApp app, string phoneNumberId, int count)
    {
        var conversations = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var from = "4917" + Random.Shared.NextInt64(10_000_000, 99_999_999);
            await app.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, from, $"wamid.{Guid.NewGuid():N}", "Hallo", app.Clock.GetUtcNow()));
            await app.WaitForWebhooksAsync();
            conversations.Add(await app.WithDbAsync(db => db.Conversations.IgnoreQueryFilters()
                .Where(c => db.Contacts.IgnoreQueryFilters().Any(k => k.Id == c.ContactId && k.WaId == from)).Select(c => c.Id).SingleAsync()));
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        return conversations;
    }

    public static Task<int> AssignNowAsync(this ParleyApp app) => app.Services.GetRequiredService<AutoAssigner>().RunOnceAsync(default);

    public static Task<Dictionary<Guid, Guid?>> AssigneesAsync(this ParleyApp app, IEnumerable<Guid> conversations)
    {
        var ids = conversations.ToList();
        return app.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.AssigneeId));
    }

    public static Task<Conversation> ConversationAsync(this ParleyApp app, Guid id) =>
        app.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().SingleAsync(c => c.Id == id));
}

/// <summary>A Parley whose assigner only runs when the test says so (<see cref="TeamsTestExtensions.AssignNowAsync"/>).</summary>
public sealed class ManualAssignerFixture : IAsyncLifetime
{
    public ParleyApp App { get; } = new(null, new Dictionary<string, string?> { ["Teams:RunAssigner"] = "false" });

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();
}
