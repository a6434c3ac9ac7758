using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Identity;

public sealed class RoleTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Theory]
    [InlineData("agent", "/api/v1/users")]
    [InlineData("supervisor", "/api/v1/api-keys")]
    [InlineData("marketer", "/api/v1/audit-log")]
    [InlineData("viewer", "/api/v1/users")]
    public async Task LowerRoles_AreForbiddenFromAdministration(string role, string path)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var key = await App.CreateKeyAsync(workspace.Slug, role);

        var response = await App.Api(key).GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("viewer")]
    public async Task EveryRole_CanReadItsWorkspace(string role)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var key = await App.CreateKeyAsync(workspace.Slug, role);

        Assert.Equal(HttpStatusCode.OK, (await App.Api(key).GetAsync("/api/v1/workspace")).StatusCode);
    }

    [Fact]
    public async Task Admin_CannotMakeAnOwner_NorTouchAnOwner()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var agent = await App.AddUserAsync(workspace.Slug, "agent");

        var promote = await admin.PatchAsJsonAsync($"/api/v1/users/{agent.Id}", new { role = "owner" });
        var demoteOwner = await admin.PatchAsJsonAsync($"/api/v1/users/{workspace.Owner.Id}", new { role = "agent" });
        var removeOwner = await admin.DeleteAsync($"/api/v1/users/{workspace.Owner.Id}");

        Assert.Equal(HttpStatusCode.Forbidden, promote.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, demoteOwner.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, removeOwner.StatusCode);
    }

    [Fact]
    public async Task RoleChange_IsAppliedAndAudited()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var agent = await App.AddUserAsync(workspace.Slug, "agent");

        var response = await admin.PatchAsJsonAsync($"/api/v1/users/{agent.Id}", new { role = "supervisor" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("supervisor", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        var audit = await admin.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("member.role_changed", audit, StringComparison.Ordinal);
        Assert.Contains("agent → supervisor", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentInTheBrowser_SeesNoAdministration()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, agent.Email, agent.Password);

        var overview = await browser.GetStringAsync($"/w/{workspace.Slug}");
        var users = await browser.GetAsync($"/w/{workspace.Slug}/users");

        Assert.DoesNotContain($"/w/{workspace.Slug}/users", overview, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/forbidden", users.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }
}
