using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

public sealed class AvailabilityTests(ManualAssignerFixture fixture) : IClassFixture<ManualAssignerFixture>
{
    private ParleyApp App => fixture.App;

    private async Task<JsonElement> AgentAsync(TestWorkspace workspace, Guid id) =>
        await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/agents/{id}");

    [Fact]
    public async Task Online_LapsesToAwayThenOffline_WithoutActivity_AndSignedInActivityBringsItBack()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        await App.SetAgentAsync(workspace, agent.Id, "online");
        Assert.Equal("online", (await AgentAsync(workspace, agent.Id)).GetProperty("availability").GetString());

        App.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("away", (await AgentAsync(workspace, agent.Id)).GetProperty("availability").GetString());
        App.Clock.Advance(TimeSpan.FromMinutes(50));
        var idle = await AgentAsync(workspace, agent.Id);
        Assert.Equal("offline", idle.GetProperty("availability").GetString());
        Assert.Equal("online", idle.GetProperty("chosenAvailability").GetString());

        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/w/{workspace.Slug}")).StatusCode);
        Assert.Equal("online", (await AgentAsync(workspace, agent.Id)).GetProperty("availability").GetString());
    }

    [Fact]
    public async Task APerson_SetsTheirOwnAvailability_FromTheHeaderOfEveryPage()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);
        var page = await browser.GetStringAsync($"/w/{workspace.Slug}");
        Assert.Contains("name=\"availability\"", page, StringComparison.Ordinal);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}");

        var response = await browser.PostAsync($"/w/{workspace.Slug}/availability", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["availability"] = "online",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect, $"{response.StatusCode}");
        Assert.Equal("online", (await AgentAsync(workspace, agent.Id)).GetProperty("availability").GetString());
        var audit = await App.Api(workspace.AdminKey).GetStringAsync("/api/v1/audit-log");
        Assert.Contains("agent.availability_changed", audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"availability\":\"busy\"}", "availability")]
    [InlineData("{\"availability\":\"1\"}", "availability")]
    [InlineData("{}", "availability")]
    [InlineData("{\"maxOpenConversations\":0}", "maxOpenConversations")]
    [InlineData("{\"availability\":\"online\",\"maxOpenConversations\":1001}", "maxOpenConversations")]
    public async Task BadAvailabilityOrCapacity_IsRefusedNamingTheField_AndNothingChanges(string body, string field)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");

        var response = await App.Api(workspace.AdminKey).PatchAsync($"/api/v1/agents/{agent.Id}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        var unchanged = await AgentAsync(workspace, agent.Id);
        Assert.Equal("offline", unchanged.GetProperty("availability").GetString());
        Assert.Equal(5, unchanged.GetProperty("maxOpenConversations").GetInt32());
    }

    [Fact]
    public async Task TheAgentList_ShowsLoadAndCapacity()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        await App.SetAgentAsync(workspace, agent.Id, "away", maxOpenConversations: 7);

        var agents = await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/agents");

        var row = agents.EnumerateArray().Single(a => a.GetProperty("userId").GetGuid() == agent.Id);
        Assert.Equal("away", row.GetProperty("availability").GetString());
        Assert.Equal(7, row.GetProperty("maxOpenConversations").GetInt32());
        Assert.Equal(0, row.GetProperty("openConversations").GetInt32());
        Assert.Equal(2, agents.GetArrayLength()); // the owner too
    }
}
