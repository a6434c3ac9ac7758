using System.Net;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Data;

public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_WithTheDatabaseUp_Is200_WithoutSigningIn()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();

        var response = await app.Api(null).GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Healthz_WhenTheDatabaseIsGone_Is503_AndRecoversNothingSilently()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var client = app.Api(null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        await app.Database.DropAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/healthz")).StatusCode);
        Assert.False(File.Exists(app.Database.SqliteFile), "The health check must not create an empty database in place of the lost one.");
    }
}
