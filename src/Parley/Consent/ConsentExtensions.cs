using System.Threading.RateLimiting;

namespace Parley.Consent;

public static class ConsentExtensions
{
    /// <summary>The public consent page's submissions per client address and 10 minutes (<c>Consent:PageSubmissionsPerIp</c>).</summary>
    public const string PagePolicy = "consent-page";

    public static WebApplicationBuilder AddConsent(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<ConsentLedger>();
        services.AddScoped<ConsentCatalog>();
        services.AddScoped<ConsentKeywords>();
        services.AddScoped<ConsentSignals>();
        services.AddScoped<ConsentRequests>();
        services.AddScoped<Objections>();

        var perIp = builder.Configuration.GetValue("Consent:PageSubmissionsPerIp", 10);
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;

            // Only submissions count; reading the page is free.
            o.AddPolicy(PagePolicy, context => HttpMethods.IsPost(context.Request.Method)
                ? RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perIp, Window = TimeSpan.FromMinutes(10) })
                : RateLimitPartition.GetNoLimiter(""));
        });
        return builder;
    }
}
