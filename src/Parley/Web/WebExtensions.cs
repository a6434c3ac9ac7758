using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Localization;
using Parley.Campaigns;
using Parley.Hosting;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Identity;
using Parley.Inbox;
using Parley.Privacy;
using Parley.Templates;
using Parley.Teams;

namespace Parley.Web;

public static class WebExtensions
{
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Texts>();
        builder.Services.AddAntiforgery();
        builder.Services.AddOptions<AntiforgeryOptions>().Configure<DemoMode>((antiforgery, demo) =>
        {
            antiforgery.Cookie.Name = "parley.antiforgery";
            antiforgery.Cookie.SecurePolicy = demo.CookieSecurePolicy;
        });
        builder.Services.AddRazorPages(o => o.RootDirectory = "/");
        builder.Services.Configure<RequestLocalizationOptions>(o =>
        {
            CultureInfo[] cultures = [.. Texts.Cultures.Select(CultureInfo.GetCultureInfo)];
            o.DefaultRequestCulture = new RequestCulture("en");
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;

            // A signed-in person's own choice first, then the browser's language.
            o.RequestCultureProviders.Insert(0, new CustomRequestCultureProvider(context =>
                Task.FromResult(context.User.FindFirst(ParleyClaims.Culture)?.Value is { } culture
                    ? new ProviderCultureResult(culture)
                    : null)));
        });
        return builder;
    }

    public static WebApplication UseWeb(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<DemoMode>().Enabled)
        {
            app.UseHsts();
        }

        app.Use(static (context, next) =>
        {
            // No framing (clickjacking), no MIME sniffing, no full URLs leaked to other sites.
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";
            return next(context);
        });
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseRequestLocalization();
        app.UseMiddleware<WorkspaceMiddleware>();
        app.UseMiddleware<AgentActivityMiddleware>();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization();
        api.MapIdentityApi();
        api.MapWhatsAppApi();
        api.MapInboxApi();
        api.MapCannedRepliesApi();
        api.MapMediaApi();
        api.MapTeamsApi();
        api.MapConsentApi();
        api.MapContactsApi();
        api.MapContactSetsApi();
        api.MapPrivacyApi();
        api.MapTemplatesApi();
        api.MapNotificationsApi();
        api.MapCampaignsApi();
        return app;
    }

    public static WebApplication MapWeb(this WebApplication app)
    {
        app.MapRazorPages();
        return app;
    }
}
