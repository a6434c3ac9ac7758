using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class SandboxTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task PhonePage_IsServedWithItsScript()
    {
        var page = await App.Api(null).GetAsync("/sandbox");
        var script = await App.Api(null).GetAsync("/sandbox/phone.js");

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"/sandbox/phone.js\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GraphApi_WithoutAValidToken_AnswersLikeMeta()
    {
        var numbers = await App.Api(null).GetFromJsonAsync<JsonElement>("/sandbox/api/numbers");
        var phoneNumberId = numbers[0].GetProperty("phoneNumberId").GetString();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sandbox/graph/v23.0/{phoneNumberId}/messages")
        {
            Content = new StringContent("""{"messaging_product":"whatsapp","to":"491701234567","type":"text","text":{"body":"x"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "wrong");

        var response = await App.Api(null).SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(190, error.GetProperty("code").GetInt32());
        Assert.StartsWith("(#190)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphApi_ForAnUnknownNumber_IsTheGraphUnknownObjectError()
    {
        var response = await App.Api(null).PostAsync("/sandbox/graph/v23.0/123123/messages", new StringContent("{}", Encoding.UTF8, "application/json"));

        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal((100, 33, "GraphMethodException"), (error.GetProperty("code").GetInt32(), error.GetProperty("error_subcode").GetInt32(), error.GetProperty("type").GetString()));
        Assert.StartsWith("Unsupported post request. Object with ID '123123' does not exist", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutDemoMode_TheSandboxIsNotMounted()
    {
        await using var production = new ParleyApp(null, new Dictionary<string, string?> { ["Sandbox:Enabled"] = "false" });
        await production.InitializeAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await production.Api(null).GetAsync("/sandbox/api/numbers")).StatusCode);
    }
}
