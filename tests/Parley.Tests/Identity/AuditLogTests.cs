using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Identity;

public sealed class AuditLogTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task AuditLog_ShowsMembersSignIns_AndPagesWithoutGapsOrRepeats()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var admin = App.Api(workspace.AdminKey);
        for (var i = 0; i < 7; i++)
        {
            await ParleyApp.SignInAsync(App.Browser(), workspace.Owner.Email, i % 2 == 0 ? workspace.Owner.Password : "wrong-password");
        }

        var all = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log?limit=500");
        var seen = new List<Guid>();
        string? before = null;
        do
        {
            var page = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit-log?limit=3{(before is null ? "" : "&before=" + before)}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
            before = page.GetProperty("nextBefore").GetString();
        }
        while (before is not null);

        var expected = all.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).ToList();
        Assert.Equal(expected, seen);
        var actions = all.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(4, actions.Count(a => a == "user.signed_in"));
        Assert.Equal(3, actions.Count(a => a == "user.sign_in_failed"));
        Assert.Contains("workspace.created", actions);
        Assert.Contains("member.added", actions);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("before=garbage")]
    public async Task AuditLog_WithBadPaging_SaysWhichParameterIsWrong(string query)
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await App.Api(workspace.AdminKey).GetAsync($"/api/v1/audit-log?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(query.Split('=')[0], problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }
}
