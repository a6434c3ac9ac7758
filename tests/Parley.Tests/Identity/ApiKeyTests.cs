using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Data;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Identity;

public sealed class ApiKeyTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task Api_WithoutKey_Is401ProblemThatSaysHowToAuthenticate()
    {
        var response = await App.Api(null).GetAsync("/api/v1/workspace");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pk_thisKeyDoesNotExistAnywhere1234567")]
    [InlineData("")]
    public async Task Api_WithUnknownKey_Is401(string key)
    {
        var response = await App.Api(key).GetAsync("/api/v1/workspace");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Api_WithBasicAuthorization_Is401WithAClearMessage()
    {
        var client = App.Api(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        var response = await client.GetAsync("/api/v1/workspace");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_WithValidKey_ActsForItsWorkspace()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var current = await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/workspace");

        Assert.Equal(workspace.Slug, current.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task CreatedKey_IsShownOnce_StoredOnlyAsHash_AndWorks()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);

        var response = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "CRM sync", role = "agent" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = created.GetProperty("secret").GetString()!;
        var id = created.GetProperty("key").GetProperty("id").GetGuid();
        Assert.StartsWith("pk_", secret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await App.Api(secret).GetAsync("/api/v1/workspace")).StatusCode);

        var listed = await admin.GetStringAsync("/api/v1/api-keys");
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await admin.GetStringAsync($"/api/v1/api-keys/{id}"), StringComparison.Ordinal);

        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var stored = await db.ApiKeys.IgnoreQueryFilters().SingleAsync(k => k.Id == id);
        Assert.NotEqual(secret, stored.SecretHash);
        Assert.Equal(Parley.Identity.ApiKey.Hash(secret), stored.SecretHash);
        Assert.Equal(secret[..9], stored.Hint);
    }

    [Fact]
    public async Task RevokedKey_Is401_AtOnce_AndRevocationIsAudited()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "Booking", role = "viewer" })).Content.ReadFromJsonAsync<JsonElement>();
        var secret = created.GetProperty("secret").GetString()!;
        var id = created.GetProperty("key").GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await App.Api(secret).GetAsync("/api/v1/workspace")).StatusCode);

        var revoke = await admin.DeleteAsync($"/api/v1/api-keys/{id}");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        var revoked = await App.Api(secret).GetAsync("/api/v1/workspace");
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Contains("revoked", (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var audit = await admin.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("apikey.created", audit, StringComparison.Ordinal);
        Assert.Contains("apikey.revoked", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_CannotCreateAnOwnerKey()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/api-keys", new { name = "Too strong", role = "owner" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("role", out _));
    }

    [Fact]
    public async Task KeyCreation_WithoutName_NamesTheMissingField()
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/api-keys", new { role = "agent" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("name is required", problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
    }
}
