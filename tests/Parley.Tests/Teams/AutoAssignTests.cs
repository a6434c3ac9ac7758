using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

/// <summary>Round-robin among a team's online agents below capacity, driven round by round.</summary>
public sealed class AutoAssignTests(ManualAssignerFixture fixture) : IClassFixture<ManualAssignerFixture>
{
    private ParleyApp App => fixture.App;

    private async Task<(TestWorkspace Workspace, Guid Team, string PhoneNumberId, List<Guid> Agents)> TeamWithAgentsAsync(int agents, bool autoAssign = true)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var team = await App.CreateTeamAsync(workspace, "Werkstatt", autoAssign);
        var ids = new List<Guid>();
        for (var i = 0; i < agents; i++)
        {
            var agent = await App.AddUserAsync(workspace.Slug, "agent");
            await App.AddToTeamAsync(workspace, team, agent.Id);
            ids.Add(agent.Id);
        }

        return (workspace, team, await App.ConnectTeamNumberAsync(workspace, team), [.. ids.Order()]);
    }

    [Fact]
    public async Task RoundRobin_GivesTheLongestWaitingConversation_ToTheAgentWhoWaitedLongest()
    {
        var (workspace, _, number, agents) = await TeamWithAgentsAsync(3);
        foreach (var agent in agents)
        {
            await App.SetAgentAsync(workspace, agent, "online");
        }

        // The third agent got a conversation a while ago, so the two who never had one go first.
        await App.WithDbAsync(async db =>
            await db.Agents.IgnoreQueryFilters().Where(a => a.UserId == agents[2]).ExecuteUpdateAsync(s => s.SetProperty(a => a.LastAssignedAt, App.Clock.GetUtcNow().UtcDateTime.AddHours(-1))));
        var conversations = await App.CustomersWriteAsync(number, 6);

        Assert.Equal(6, await App.AssignNowAsync());

        var assignees = await App.AssigneesAsync(conversations);
        Assert.Equal([agents[0], agents[1], agents[2], agents[0], agents[1], agents[2]], conversations.Select(c => assignees[c]!.Value).ToList());
    }

    [Fact]
    public async Task AwayOfflineAndIdleAgents_AreSkipped()
    {
        var (workspace, _, number, agents) = await TeamWithAgentsAsync(4);
        await App.SetAgentAsync(workspace, agents[0], "away");
        await App.SetAgentAsync(workspace, agents[1], "online");
        App.Clock.Advance(TimeSpan.FromMinutes(11)); // agents[1] went idle: online lapses to away after 10 minutes
        await App.SetAgentAsync(workspace, agents[3], "online");
        // agents[2] never said anything: offline.
        var conversations = await App.CustomersWriteAsync(number, 3);

        await App.AssignNowAsync();

        Assert.All((await App.AssigneesAsync(conversations)).Values, assignee => Assert.Equal(agents[3], assignee));
    }

    [Fact]
    public async Task Capacity_IsNeverExceeded_AndWaitingConversationsGoOutWhenCapacityReturns()
    {
        var (workspace, _, number, agents) = await TeamWithAgentsAsync(1);
        await App.SetAgentAsync(workspace, agents[0], "online", maxOpenConversations: 2);
        var conversations = await App.CustomersWriteAsync(number, 4);

        Assert.Equal(2, await App.AssignNowAsync());
        var assignees = await App.AssigneesAsync(conversations);
        Assert.Equal([agents[0], agents[0], null, null], conversations.Select(c => assignees[c]).ToList());

        // One is resolved: room for the longest-waiting one.
        await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversations[0])
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ConversationStatus.Resolved)));
        Assert.Equal(1, await App.AssignNowAsync());
        Assert.Equal(agents[0], (await App.ConversationAsync(conversations[2])).AssigneeId);
        Assert.Null((await App.ConversationAsync(conversations[3])).AssigneeId);

        // More capacity: the last one goes out too.
        await App.SetAgentAsync(workspace, agents[0], null, maxOpenConversations: 5);
        Assert.Equal(1, await App.AssignNowAsync());
        Assert.Equal(agents[0], (await App.ConversationAsync(conversations[3])).AssigneeId);
    }

    [Fact]
    public async Task ConversationsWait_UntilAnAgentComesOnline()
    {
        var (workspace, _, number, agents) = await TeamWithAgentsAsync(2);
        var conversations = await App.CustomersWriteAsync(number, 2);

        Assert.Equal(0, await App.AssignNowAsync());
        Assert.All((await App.AssigneesAsync(conversations)).Values, Assert.Null);

        await App.SetAgentAsync(workspace, agents[1], "online");
        Assert.Equal(2, await App.AssignNowAsync());
        Assert.All((await App.AssigneesAsync(conversations)).Values, assignee => Assert.Equal(agents[1], assignee));
    }

    [Fact]
    public async Task ATeamWithoutAutomaticAssignment_KeepsItsConversationsUnassigned_ButTheyGetTheTeam()
    {
        var (workspace, team, number, agents) = await TeamWithAgentsAsync(1, autoAssign: false);
        await App.SetAgentAsync(workspace, agents[0], "online");
        var conversations = await App.CustomersWriteAsync(number, 1);

        Assert.Equal(0, await App.AssignNowAsync());
        var conversation = await App.ConversationAsync(conversations[0]);
        Assert.Equal(team, conversation.TeamId);
        Assert.Null(conversation.AssigneeId);

        // Switched on: the waiting conversation goes out.
        (await App.Api(workspace.AdminKey).PatchAsJsonAsync($"/api/v1/teams/{team}", new { autoAssign = true })).EnsureSuccessStatusCode();
        Assert.Equal(1, await App.AssignNowAsync());
        Assert.Equal(agents[0], (await App.ConversationAsync(conversations[0])).AssigneeId);
    }

    [Fact]
    public async Task AResolvedConversationTheCustomerReopens_GoesToTheNumbersTeam_AndIsAssignedAgain()
    {
        var (workspace, team, number, agents) = await TeamWithAgentsAsync(1);
        await App.SetAgentAsync(workspace, agents[0], "online");
        var conversations = await App.CustomersWriteAsync(number, 1);
        await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversations[0])
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ConversationStatus.Resolved).SetProperty(c => c.TeamId, (Guid?)null)));
        var from = await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters()
            .Where(k => db.Conversations.IgnoreQueryFilters().Any(c => c.Id == conversations[0] && c.ContactId == k.Id)).Select(k => k.WaId!).SingleAsync());

        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(number, from, $"wamid.{Guid.NewGuid():N}", "Noch eine Frage", App.Clock.GetUtcNow()));
        await App.WaitForWebhooksAsync();
        await App.AssignNowAsync();

        var reopened = await App.ConversationAsync(conversations[0]);
        Assert.Equal(ConversationStatus.Open, reopened.Status);
        Assert.Equal(team, reopened.TeamId);
        Assert.Equal(agents[0], reopened.AssigneeId);
    }

    [Fact]
    public async Task EveryAutomaticAssignment_IsAuditedWithTheSystemAsActor()
    {
        var (workspace, _, number, agents) = await TeamWithAgentsAsync(1);
        await App.SetAgentAsync(workspace, agents[0], "online");
        var conversations = await App.CustomersWriteAsync(number, 2);

        await App.AssignNowAsync();

        var entries = await App.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == "conversation.assigned" && conversations.Contains(a.TargetId!.Value)).ToListAsync());
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e =>
        {
            Assert.Equal("system", e.ActorKind);
            Assert.Contains(agents[0].ToString(), e.Details, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task AMemberWhoLeavesTheWorkspace_LeavesTheTeam_AndTheirConversationsAreAssignedAnew()
    {
        var (workspace, team, number, agents) = await TeamWithAgentsAsync(2);
        await App.SetAgentAsync(workspace, agents[0], "online");
        var conversations = await App.CustomersWriteAsync(number, 1);
        await App.AssignNowAsync();
        Assert.Equal(agents[0], (await App.ConversationAsync(conversations[0])).AssigneeId);

        (await App.Api(workspace.AdminKey).DeleteAsync($"/api/v1/users/{agents[0]}")).EnsureSuccessStatusCode();
        await App.SetAgentAsync(workspace, agents[1], "online");
        await App.AssignNowAsync();

        Assert.Equal(agents[1], (await App.ConversationAsync(conversations[0])).AssigneeId);
        var members = await App.Api(workspace.AdminKey).GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/teams/{team}");
        Assert.Equal([agents[1]], members.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("userId").GetGuid()).ToList());
        Assert.False(await App.WithDbAsync(db => db.Agents.IgnoreQueryFilters().AnyAsync(a => a.UserId == agents[0])));
    }
}
