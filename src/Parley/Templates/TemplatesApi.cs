using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Web;

namespace Parley.Templates;

/// <summary><c>/api/v1/templates</c>: the workspace's WhatsApp templates as Meta has them.</summary>
public static class TemplatesApi
{
    public static RouteGroupBuilder MapTemplatesApi(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/templates").RequirePermission(Permission.ViewWorkspace).WithTags("Templates");
        templates.MapGet("/", (string? status, string? name, TemplateStore store, CancellationToken ct) => store.ListAsync(status, name, ct))
            .WithDescription("Every template of the WABAs of the workspace's numbers; status (APPROVED, PENDING, REJECTED, PAUSED, DISABLED) and name filter.");
        templates.MapGet("/{id:guid}", async Task<Results<Ok<TemplateView>, NotFound>> (Guid id, TemplateStore store, CancellationToken ct) =>
            await store.FindAsync(id, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound());
        templates.MapPost("/sync", async Task<IResult> (TemplateStore store, CancellationToken ct) =>
        {
            var synced = await store.SyncAsync(ct);
            return synced.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(synced.Value);
        })
            .RequirePermission(Permission.ManageChannels)
            .WithDescription("Reads every template of the WABAs from WhatsApp and makes Parley's copy match (added, updated, removed).");
        return api;
    }
}
