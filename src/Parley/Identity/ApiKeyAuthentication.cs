using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;

namespace Parley.Identity;

/// <summary>
/// <c>Authorization: Bearer pk_…</c> on <c>/api/v1</c>. The secret is hashed and looked up; a revoked or
/// unknown key fails. <c>last_used_at</c> is written at most once a minute per key, not on every request.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ParleyDb db,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <API key>'.");
        }

        var secret = header["Bearer ".Length..].Trim();
        var hash = ApiKey.Hash(secret);
        var key = await db.ApiKeys.IgnoreQueryFilters()
            .Where(k => k.SecretHash == hash && k.RevokedAt == null)
            .Join(db.Workspaces.IgnoreQueryFilters(), k => k.WorkspaceId, w => w.Id, (k, w) => new { k.Id, k.WorkspaceId, w.Slug, k.Role, k.LastUsedAt })
            .FirstOrDefaultAsync(Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("The API key is unknown or has been revoked.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (key.LastUsedAt is null || now - key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == key.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), Context.RequestAborted);
        }

        Claim[] claims =
        [
            new(ParleyClaims.ApiKeyId, key.Id.ToString()),
            new(ParleyClaims.WorkspaceId, key.WorkspaceId.ToString()),
            new(ParleyClaims.WorkspaceSlug, key.Slug),
            new(ParleyClaims.Role, Roles.Name(key.Role)),
        ];
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: failure ?? "Send an API key as 'Authorization: Bearer <key>'. Admins create keys under Settings → API keys.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Forbidden",
            detail: "This API key's role does not allow this action.").ExecuteAsync(Context);
    }
}
