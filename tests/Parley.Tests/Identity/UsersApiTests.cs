using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Identity;

public sealed class UsersApiTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task AddUser_ReturnsAPasswordOnce_ThatSignsIn()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var email = $"new-{Guid.NewGuid():N}@example.test";

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/users", new { email, displayName = "Nina Neu", role = "agent" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var added = await response.Content.ReadFromJsonAsync<JsonElement>();
        var password = added.GetProperty("initialPassword").GetString()!;
        Assert.Equal("agent", added.GetProperty("member").GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Redirect, (await ParleyApp.SignInAsync(App.Browser(), email, password)).StatusCode);
        Assert.DoesNotContain(password, await App.Api(workspace.AdminKey).GetStringAsync("/api/v1/users"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddUser_WhoHasAnAccountElsewhere_JoinsWithoutANewPassword()
    {
        var first = await App.CreateWorkspaceAsync();
        var second = await App.CreateWorkspaceAsync();

        var response = await App.Api(second.AdminKey).PostAsJsonAsync("/api/v1/users", new { email = first.Owner.Email, role = "viewer" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var added = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, added.GetProperty("initialPassword").ValueKind);
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, first.Owner.Email, first.Owner.Password);
        var start = await browser.GetStringAsync("/");
        Assert.Contains($"/w/{first.Slug}", start, StringComparison.Ordinal);
        Assert.Contains($"/w/{second.Slug}", start, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddUser_Twice_IsAConflict()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/users", new { email = workspace.Owner.Email, role = "agent" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"email":"not-an-address","role":"agent"}""", "email")]
    [InlineData("""{"email":"ok@example.test","role":"king"}""", "role")]
    [InlineData("""{"role":"agent"}""", "email")]
    public async Task AddUser_WithBadField_IsAValidationProblemNamingTheField(string body, string field)
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsync("/api/v1/users", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }

    [Fact]
    public async Task MalformedJson_IsA400ProblemThatSaysWhere()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsync("/api/v1/users", new StringContent("""{"email": "a@b.de", "role": """, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LastOwner_CannotBeDemotedOrRemoved()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var ownerKey = await App.AsInstallationAsync(workspace.Slug, _ => Task.FromResult(workspace.AdminKey));
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/users");

        var demote = await browser.PostAsync($"/w/{workspace.Slug}/users?handler=role", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = workspace.Owner.Id.ToString(),
            ["role"] = "agent",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        Assert.Contains("at least one owner", await demote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var members = await App.Api(ownerKey).GetFromJsonAsync<JsonElement>($"/api/v1/users/{workspace.Owner.Id}");
        Assert.Equal("owner", members.GetProperty("role").GetString());
    }

    [Fact]
    public async Task RemovedMember_LosesAccessToTheWorkspace()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/w/{workspace.Slug}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await App.Api(workspace.AdminKey).DeleteAsync($"/api/v1/users/{agent.Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/w/{workspace.Slug}")).StatusCode);
    }
}
