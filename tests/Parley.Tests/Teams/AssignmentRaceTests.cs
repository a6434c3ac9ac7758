using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

/// <summary>Two Parley processes' assigners on one database at once: nothing assigned twice, no capacity exceeded.</summary>
public sealed class AssignmentRaceTests
{
    [Fact]
    public async Task TwoAssignersRacing_AssignEachConversationOnce_AndKeepEveryCapacity()
    {
        await using var database = await TestDatabase.CreateAsync();
        var manual = new Dictionary<string, string?> { ["Teams:RunAssigner"] = "false" };
        await using var first = new ParleyApp(database, manual);
        await using var second = new ParleyApp(database, manual);
        await first.InitializeAsync();
        await second.InitializeAsync();

        var workspace = await first.CreateWorkspaceAsync();
        var team = await first.CreateTeamAsync(workspace, "Service");
        var agents = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var agent = await first.AddUserAsync(workspace.Slug, "agent");
            await first.AddToTeamAsync(workspace, team, agent.Id);
            agents.Add(agent.Id);
        }

        var number = await first.ConnectTeamNumberAsync(workspace, team);
        var conversations = await first.CustomersWriteAsync(number, 20);
        foreach (var agent in agents)
        {
            await first.SetAgentAsync(workspace, agent, "online", maxOpenConversations: 5);
        }

        second.Clock.Advance(first.Clock.GetUtcNow() - second.Clock.GetUtcNow());

        var rounds = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? first : second).AssignNowAsync()));

        var assignees = await first.AssigneesAsync(conversations);
        Assert.True(rounds.Sum() == 15, $"rounds: {string.Join(",", rounds)}; assigned: {assignees.Values.Count(a => a is not null)}");
        Assert.Equal(15, assignees.Values.Count(a => a is not null));
        Assert.All(agents, agent => Assert.Equal(5, assignees.Values.Count(a => a == agent)));
        var audited = await first.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().CountAsync(a => a.Action == "conversation.assigned" && conversations.Contains(a.TargetId!.Value)));
        Assert.Equal(15, audited);
    }
}
