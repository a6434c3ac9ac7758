using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity;

/// <summary>
/// Decides which workspace a request acts for. An API key carries its workspace; a signed-in person
/// names it in the URL (<c>/w/{workspace}/…</c>) and must be a member of it — otherwise the answer is
/// 404, so a stranger cannot even learn that a workspace exists.
/// </summary>
public sealed class WorkspaceMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext httpContext, WorkspaceContext workspace)
    {
        var user = httpContext.User;
        if (user.FindFirstValue(ParleyClaims.ApiKeyId) is { } keyId)
        {
            workspace.Enter(
                Guid.Parse(user.FindFirstValue(ParleyClaims.WorkspaceId)!),
                user.FindFirstValue(ParleyClaims.WorkspaceSlug)!,
                Roles.Parse(user.FindFirstValue(ParleyClaims.Role)!),
                Actor.ForApiKey(Guid.Parse(keyId)));
        }
        else if (httpContext.GetRouteValue("workspace") is string slug && user.UserId() is { } userId)
        {
            // Only resolved here: most requests (webhooks, static files, API keys) never need a database context.
            var db = httpContext.RequestServices.GetRequiredService<ParleyDb>();
            var membership = await db.Memberships.IgnoreQueryFilters()
                .Where(m => m.UserId == userId)
                .Join(db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == slug), m => m.WorkspaceId, w => w.Id, (m, w) => new { w.Id, m.Role })
                .FirstOrDefaultAsync(httpContext.RequestAborted);
            if (membership is null)
            {
                httpContext.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            workspace.Enter(membership.Id, slug, membership.Role, Actor.ForUser(userId));
            user.AddIdentity(new ClaimsIdentity([new Claim(ParleyClaims.Role, Roles.Name(membership.Role))]));
        }

        await next(httpContext);
    }
}
