using Parley.Identity;
using Parley.Web;

namespace Parley.Inbox;

/// <summary><c>/api/v1/canned-replies</c>: the workspace's prepared answers.</summary>
public static class CannedRepliesApi
{
    public sealed record CannedReplyRequest(string? Shortcut, string? Body);

    public static RouteGroupBuilder MapCannedRepliesApi(this RouteGroupBuilder api)
    {
        var replies = api.MapGroup("/canned-replies").RequirePermission(Permission.ViewConversations).WithTags("Canned replies");
        replies.MapGet("/", async (CannedReplies canned, CancellationToken ct) => TypedResults.Ok(await canned.ListAsync(ct)));
        replies.MapPost("/", async (CannedReplyRequest? request, CannedReplies canned, CancellationToken ct) =>
        {
            var created = await canned.CreateAsync(request?.Shortcut, request?.Body, ct);
            return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/canned-replies/{created.Value!.Id}", created.Value);
        }).RequirePermission(Permission.ManageInbox).WithSummary("Create a canned reply").WithDescription("{\"shortcut\":\"hours\",\"body\":\"Hallo {{contact.name}}, wir haben bis 18 Uhr geöffnet. {{agent.name}}\"}");
        replies.MapPatch("/{id:guid}", async (Guid id, CannedReplyRequest? request, CannedReplies canned, CancellationToken ct) =>
        {
            var updated = await canned.UpdateAsync(id, request?.Shortcut, request?.Body, ct);
            return updated.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(updated.Value);
        }).RequirePermission(Permission.ManageInbox);
        replies.MapDelete("/{id:guid}", async (Guid id, CannedReplies canned, CancellationToken ct) =>
            await canned.DeleteAsync(id, ct) ? Results.NoContent() : Results.NotFound()).RequirePermission(Permission.ManageInbox);
        return api;
    }
}
