using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

public sealed class TeamsApiTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Admin_CreatesRenamesAndDeletesATeam_AndEveryStepIsAudited()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);

        var created = await api.PostAsJsonAsync("/api/v1/teams", new { name = "  Werkstatt " });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var team = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = team.GetProperty("id").GetGuid();
        Assert.Equal("Werkstatt", team.GetProperty("name").GetString());
        Assert.False(team.GetProperty("autoAssign").GetBoolean());

        var renamed = await api.PatchAsJsonAsync($"/api/v1/teams/{id}", new { name = "Buchhaltung", autoAssign = true });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var list = await api.GetFromJsonAsync<JsonElement>("/api/v1/teams");
        Assert.Equal("Buchhaltung", list[0].GetProperty("name").GetString());
        Assert.True(list[0].GetProperty("autoAssign").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/teams/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/teams/{id}")).StatusCode);
        var actions = await App.WithDbAsync(db => db.AuditEntries.IgnoreQueryFilters().Where(a => a.TargetId == id).OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => a.Action).ToListAsync());
        Assert.Equal(["team.auto_assign_changed", "team.created", "team.deleted", "team.renamed"], actions.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"   \"}", "name")]
    [InlineData("{\"name\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", "name")]
    public async Task ABadTeamName_IsRefusedNamingTheField(string body, string field)
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsync("/api/v1/teams", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Empty(await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement[]>("/api/v1/teams") ?? []);
    }

    [Fact]
    public async Task TwoTeamsWithOneName_AreAConflict()
    {
        var workspace = await App.CreateWorkspaceAsync();
        await App.CreateTeamAsync(workspace, "Service");

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/teams", new { name = "Service" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task OnlyMembersWhoCanAnswer_JoinATeam_AndOnlyOnce()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var other = await App.CreateWorkspaceAsync();
        var team = await App.CreateTeamAsync(workspace, "Service");
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var viewer = await App.AddUserAsync(workspace.Slug, "viewer");
        var stranger = await App.AddUserAsync(other.Slug, "agent");
        var api = App.Api(workspace.AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/v1/teams/{team}/members", new { userId = agent.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync($"/api/v1/teams/{team}/members", new { userId = agent.Id })).StatusCode);
        foreach (var refused in new[] { viewer.Id, stranger.Id, Guid.NewGuid() })
        {
            var response = await api.PostAsJsonAsync($"/api/v1/teams/{team}/members", new { userId = refused });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("userId", out _));
        }

        var members = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/teams/{team}")).GetProperty("members");
        Assert.Equal([agent.Id], members.EnumerateArray().Select(m => m.GetProperty("userId").GetGuid()).ToList());
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/teams/{team}/members/{agent.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/v1/teams/{team}/members/{agent.Id}")).StatusCode);
    }

    [Fact]
    public async Task AnAgentsKey_CannotManageTeams()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var key = await App.CreateKeyAsync(workspace.Slug, "agent");

        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(key).GetAsync("/api/v1/teams")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(key).PostAsJsonAsync("/api/v1/teams", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await App.Api(key).GetAsync("/api/v1/agents")).StatusCode);
    }

    [Fact]
    public async Task ANumbersDefaultTeam_IsSetClearedAndMustBeTheWorkspacesOwn()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var other = await App.CreateWorkspaceAsync();
        var team = await App.CreateTeamAsync(workspace, "Service");
        var foreignTeam = await App.CreateTeamAsync(other, "Service");
        var number = await App.ConnectNumberAsync(workspace, "8" + Random.Shared.NextInt64(1_000_000_000));
        var api = App.Api(workspace.AdminKey);

        var set = await api.PatchAsJsonAsync($"/api/v1/channels/whatsapp/{number}", new { teamId = team });
        Assert.Equal(team, (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("teamId").GetGuid());

        foreach (var bad in new object[] { new { teamId = foreignTeam }, new { teamId = "nonsense" }, new { teamId = 5 } })
        {
            var response = await api.PatchAsJsonAsync($"/api/v1/channels/whatsapp/{number}", bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("teamId", out _));
        }

        // Leaving teamId out keeps it; null clears it.
        var kept = await api.PatchAsJsonAsync($"/api/v1/channels/whatsapp/{number}", new { throughput = 100 });
        Assert.Equal(team, (await kept.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("teamId").GetGuid());
        var cleared = await api.PatchAsync($"/api/v1/channels/whatsapp/{number}", new StringContent("{\"teamId\":null}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(JsonValueKind.Null, (await cleared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("teamId").ValueKind);
    }

    [Fact]
    public async Task TheBackgroundAssigner_HandsANewConversationToTheOnlineAgent()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var team = await App.CreateTeamAsync(workspace, "Service");
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        await App.AddToTeamAsync(workspace, team, agent.Id);
        await App.SetAgentAsync(workspace, agent.Id, "online");
        var number = await App.ConnectTeamNumberAsync(workspace, team);

        var conversation = (await App.CustomersWriteAsync(number, 1))[0];

        Assert.Equal(agent.Id, await Eventually.ValueAsync(async () => (await App.ConversationAsync(conversation)).AssigneeId));
    }
}
