using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

/// <summary>The teams page, a number's team and the business profile page, through the real forms.</summary>
public sealed class TeamsPagesTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string page, string handler, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await ParleyApp.AntiforgeryTokenAsync(browser, page);
        var separator = page.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return await browser.PostAsync(handler.Length == 0 ? page : $"{page}{separator}handler={handler}", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task Admin_CreatesATeam_AddsAnAgent_AndSetsCapacity_OnTheTeamsPage()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var page = $"/w/{workspace.Slug}/teams";
        Assert.Contains($"href=\"{page}\"", await browser.GetStringAsync($"/w/{workspace.Slug}"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(browser, page, "create", new() { ["name"] = "Werkstatt", ["autoAssign"] = "true" })).StatusCode);
        var team = (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/teams"))[0];
        Assert.True(team.GetProperty("autoAssign").GetBoolean());
        var teamId = team.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(browser, page, "addMember", new() { ["teamId"] = teamId, ["userId"] = agent.Id.ToString() })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(browser, page, "capacity", new() { ["userId"] = agent.Id.ToString(), ["maxOpenConversations"] = "3" })).StatusCode);

        var html = await browser.GetStringAsync(page);
        Assert.Contains("Werkstatt", html, StringComparison.Ordinal);
        Assert.Contains("agent person", html, StringComparison.Ordinal);
        Assert.Equal(3, (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/agents/{agent.Id}")).GetProperty("maxOpenConversations").GetInt32());

        // A second team with the same name: the page says so.
        var duplicate = await PostFormAsync(browser, page, "create", new() { ["name"] = "Werkstatt" });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        Assert.Contains("A team with this name exists already.", await duplicate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAgent_SeesNoTeamsPage()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);

        Assert.DoesNotContain($"/w/{workspace.Slug}/teams", await browser.GetStringAsync($"/w/{workspace.Slug}"), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync($"/w/{workspace.Slug}/teams")).StatusCode);
    }

    [Fact]
    public async Task Admin_GivesANumberATeam_AndEditsItsProfile_InTheBrowser()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var teamId = await App.CreateTeamAsync(workspace, "Service");
        var (numberId, _) = await App.ConnectSandboxNumberAsync(workspace);
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);

        var numbersPage = $"/w/{workspace.Slug}/whatsapp";
        Assert.Equal(HttpStatusCode.Redirect, (await PostFormAsync(browser, numbersPage, "team", new() { ["id"] = numberId.ToString(), ["teamId"] = teamId.ToString() })).StatusCode);
        var number = (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/channels/whatsapp"))[0];
        Assert.Equal(teamId, number.GetProperty("teamId").GetGuid());

        var profilePage = $"/w/{workspace.Slug}/whatsapp/profile?number={numberId}";
        Assert.Contains("Sandbox business number", await browser.GetStringAsync(profilePage), StringComparison.Ordinal);
        var saved = await PostFormAsync(browser, profilePage, "", new()
        {
            ["number"] = numberId.ToString(),
            ["about"] = "Ihre Werkstatt",
            ["email"] = "service@werkstatt.example",
            ["website1"] = "https://werkstatt.example",
            ["vertical"] = "AUTO",
            ["MONDAY.open0"] = "08:00",
            ["MONDAY.close0"] = "17:00",
        });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Contains("is saved at WhatsApp", await saved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var profile = await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/channels/whatsapp/{numberId}/profile");
        Assert.Equal("Ihre Werkstatt", profile.GetProperty("about").GetString());
        Assert.Equal("17:00", profile.GetProperty("openingHours")[0].GetProperty("closeTime").GetString());

        // Half an opening span: refused, the form keeps what was typed, WhatsApp keeps the old profile.
        var refused = await PostFormAsync(browser, profilePage, "", new() { ["number"] = numberId.ToString(), ["about"] = "Neu", ["TUESDAY.open0"] = "09:00" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Contains("opens before it closes", html, StringComparison.Ordinal);
        Assert.Contains("value=\"Neu\"", html, StringComparison.Ordinal);
        Assert.Equal("Ihre Werkstatt", (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/channels/whatsapp/{numberId}/profile")).GetProperty("about").GetString());
    }
}
