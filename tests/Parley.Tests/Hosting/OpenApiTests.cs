using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Hosting;

public sealed class OpenApiTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    [Fact]
    public async Task OpenApiDocument_DescribesTheApiAndItsBearerKeys()
    {
        var document = await fixture.App.Api(null).GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/users/{id}", paths);
        Assert.Contains("/api/v1/api-keys", paths);
        Assert.All(paths, p => Assert.StartsWith("/api/v1/", p, StringComparison.Ordinal));
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
    }
}
