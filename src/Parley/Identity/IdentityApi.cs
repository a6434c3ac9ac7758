using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Web;

namespace Parley.Identity;

public sealed record CreateUserRequest(string? Email, string? DisplayName, string? Role);

public sealed record UpdateUserRequest(string? Role);

public sealed record CreateApiKeyRequest(string? Name, string? Role);

public sealed record AuditEntryView(Guid Id, DateTime At, string ActorKind, Guid? ActorId, string Action, string? TargetKind, Guid? TargetId, string? IpAddress, string? Details);

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, string? NextBefore);

/// <summary>The workspace, its people, its API keys and its audit log under <c>/api/v1</c>.</summary>
public static class IdentityApi
{
    public static RouteGroupBuilder MapIdentityApi(this RouteGroupBuilder api)
    {
        api.MapGet("/workspace", GetWorkspace).RequirePermission(Permission.ViewWorkspace).WithTags("Workspace");

        var users = api.MapGroup("/users").RequirePermission(Permission.ManageUsers).WithTags("Users");
        users.MapGet("/", (Members members, CancellationToken ct) => members.ListAsync(ct));
        users.MapGet("/{id:guid}", GetUser);
        users.MapPost("/", CreateUser);
        users.MapPatch("/{id:guid}", UpdateUser);
        users.MapDelete("/{id:guid}", RemoveUser);

        var keys = api.MapGroup("/api-keys").RequirePermission(Permission.ManageApiKeys).WithTags("API keys");
        keys.MapGet("/", (ApiKeys apiKeys, CancellationToken ct) => apiKeys.ListAsync(ct));
        keys.MapGet("/{id:guid}", GetApiKey);
        keys.MapPost("/", CreateApiKey);
        keys.MapDelete("/{id:guid}", RevokeApiKey);

        var auditLog = api.MapGroup("/audit-log").RequirePermission(Permission.ViewAuditLog).WithTags("Audit log");
        auditLog.MapGet("/", GetAuditLog)
            .WithDescription("Newest first. Filters: action (the start of the action, e.g. consent.), actor (user, apikey, system, cli, anonymous), from and to (UTC).");
        auditLog.MapGet("/export", ExportAuditLog).WithSummary("The audit log as CSV, with the same filters");
        return api;
    }

    private static async Task<Results<Ok<WorkspaceView>, NotFound>> GetWorkspace(ParleyDb db, CancellationToken ct) =>
        await db.Workspaces.AsNoTracking().Select(w => new WorkspaceView(w.Id, w.Slug, w.Name, w.CreatedAt)).FirstOrDefaultAsync(ct) is { } workspace
            ? TypedResults.Ok(workspace)
            : TypedResults.NotFound();

    private static async Task<Results<Ok<MemberView>, NotFound>> GetUser(Guid id, Members members, CancellationToken ct) =>
        await members.FindAsync(id, ct) is { } member ? TypedResults.Ok(member) : TypedResults.NotFound();

    private static async Task<IResult> CreateUser(CreateUserRequest request, Members members, CancellationToken ct)
    {
        var added = await members.AddAsync(request.Email, request.DisplayName, request.Role, ct);
        return added.Error is { } error
            ? ApiProblems.From(error)
            : TypedResults.Created($"/api/v1/users/{added.Value!.Member.Id}", added.Value);
    }

    private static async Task<IResult> UpdateUser(Guid id, UpdateUserRequest request, Members members, CancellationToken ct)
    {
        var changed = await members.ChangeRoleAsync(id, request.Role, ct);
        return changed.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(changed.Value);
    }

    private static async Task<IResult> RemoveUser(Guid id, Members members, CancellationToken ct) =>
        await members.RemoveAsync(id, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent();

    private static async Task<Results<Ok<ApiKeyView>, NotFound>> GetApiKey(Guid id, ApiKeys apiKeys, CancellationToken ct) =>
        await apiKeys.FindAsync(id, ct) is { } key ? TypedResults.Ok(key) : TypedResults.NotFound();

    private static async Task<IResult> CreateApiKey(CreateApiKeyRequest request, ApiKeys apiKeys, CancellationToken ct)
    {
        var created = await apiKeys.CreateAsync(request.Name, request.Role, ct);
        return created.Error is { } error
            ? ApiProblems.From(error)
            : TypedResults.Created($"/api/v1/api-keys/{created.Value!.Key.Id}", created.Value);
    }

    private static async Task<IResult> RevokeApiKey(Guid id, ApiKeys apiKeys, CancellationToken ct)
    {
        var revoked = await apiKeys.RevokeAsync(id, ct);
        return revoked.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(revoked.Value);
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> GetAuditLog(
        AuditTrail trail, string? before, int? limit, string? action, string? actor, DateTime? from, DateTime? to, CancellationToken ct)
    {
        var (filter, parameter, problem) = AuditFilter.Parse(action, actor, from, to);
        if (filter is null)
        {
            return ApiProblems.BadQuery(parameter!, problem!);
        }

        if (limit is < 1 or > 500)
        {
            return ApiProblems.BadQuery("limit", "limit must lie between 1 and 500.");
        }

        AuditCursor? cursor = null;
        if (before is not null && !AuditCursor.TryParse(before, out cursor))
        {
            return ApiProblems.BadQuery("before", "before must be the nextBefore value of a previous page.");
        }

        return TypedResults.Ok(await trail.PageAsync(filter, cursor, limit ?? 100, ct));
    }

    private static async Task<IResult> ExportAuditLog(HttpContext http, AuditExport export, string? action, string? actor, DateTime? from, DateTime? to, CancellationToken ct)
    {
        var (filter, parameter, problem) = AuditFilter.Parse(action, actor, from, to);
        if (filter is null)
        {
            return ApiProblems.BadQuery(parameter!, problem!);
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"audit-log.csv\"";
        await export.WriteAsync(filter, http.Response.Body, ct);
        return TypedResults.Empty;
    }
}
