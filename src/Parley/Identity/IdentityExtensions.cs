using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Identity;

public static class IdentityExtensions
{
    private const string DefaultScheme = "Parley";

    public static WebApplicationBuilder AddIdentityFeature(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddScoped<WorkspaceContext>();
        services.AddScoped<AuditLog>();
        services.AddScoped<SignInService>();
        services.AddScoped<Members>();
        services.AddScoped<ApiKeys>();
        services.AddScoped<Workspaces>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditExport>();

        // The API authenticates with keys only (no cookies, so no cross-site request forgery on it);
        // everything else is the browser session.
        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api") ? ApiKeyAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie();

        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<ParleyOptions>, DemoMode>((cookie, options, demo) =>
            {
                cookie.Cookie.Name = "parley.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = demo.CookieSecurePolicy;
                cookie.ExpireTimeSpan = options.Value.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/signin";
                cookie.LogoutPath = "/signout";
                cookie.AccessDeniedPath = "/forbidden";
                cookie.Events.OnValidatePrincipal = ValidateSecurityStampAsync;
            });

        services.AddAuthorizationBuilder().AddPermissionPolicies();
        return builder;
    }

    /// <summary>A cookie whose security stamp no longer matches (password changed, account removed) is rejected.</summary>
    private static async Task ValidateSecurityStampAsync(CookieValidatePrincipalContext context)
    {
        var userId = context.Principal?.UserId();
        var stamp = context.Principal?.FindFirst(ParleyClaims.SecurityStamp)?.Value;
        var db = context.HttpContext.RequestServices.GetRequiredService<ParleyDb>();
        var current = userId is null
            ? null
            : await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(context.HttpContext.RequestAborted);
        if (current is null || current != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private static AuthorizationBuilder AddPermissionPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var permission in Enum.GetValues<Permission>())
        {
            authorization.AddPolicy(permission.ToString(), policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => Roles.TryParse(context.User.FindFirst(ParleyClaims.Role)?.Value, out var role) && role.Has(permission)));
        }

        return authorization;
    }

    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder => builder.RequireAuthorization(permission.ToString());
}
