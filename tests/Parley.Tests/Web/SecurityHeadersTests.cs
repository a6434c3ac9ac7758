using Parley.Tests.Infrastructure;

namespace Parley.Tests.Web;

public sealed class SecurityHeadersTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    [Theory]
    [InlineData("/signin")]
    [InlineData("/api/v1/workspace")]
    public async Task Responses_ForbidFramingAndSniffing(string path)
    {
        var response = await fixture.App.Browser().GetAsync(path);

        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AntiforgeryCookie_IsSecureOutsideDemoMode()
    {
        var response = await fixture.App.Browser().GetAsync("/signin");

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("parley.antiforgery=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
    }
}
