using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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
        templates.MapPost("/", async Task<IResult> (System.Text.Json.Nodes.JsonObject? request, TemplateStore store, CancellationToken ct) =>
        {
            var created = await store.CreateAsync(request, ct);
            return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/templates/{created.Value!.Id}", created.Value);
        }).RequirePermission(Permission.ManageChannels)
            .WithDescription("Submits a template for Meta's review: {\"name\":\"car_ready\",\"language\":\"de\",\"category\":\"UTILITY\",\"components\":[{\"type\":\"BODY\",\"text\":\"Guten Tag {{1}}, Ihr Fahrzeug ist fertig.\",\"example\":{\"body_text\":[[\"Erika\"]]}}]} (Meta's shape, with examples; optional phoneNumberId picks the WABA). Answers PENDING; the status webhook moves it on.");
        templates.MapPatch("/{id:guid}", async Task<IResult> (Guid id, System.Text.Json.Nodes.JsonObject? request, TemplateStore store, CancellationToken ct) =>
        {
            var edited = await store.EditAsync(id, request, ct);
            return edited.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(edited.Value);
        }).RequirePermission(Permission.ManageChannels)
            .WithDescription("Edits a template at Meta: {\"components\":[…]} and/or {\"category\":\"UTILITY\"} (Meta's shape). Meta reviews it again, so it answers PENDING; an approved template may be edited once a day, ten times in 30 days.");
        templates.MapPost("/{id:guid}/preview", async Task<IResult> (Guid id, PreviewRequest? request, TemplateRenderer renderer, CancellationToken ct) =>
        {
            var rendered = await renderer.PreviewAsync(id, request, ct);
            return rendered.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(rendered.Value);
        }).RequirePermission(Permission.ViewContacts)
            .WithDescription("The template filled in for a contact: {\"contactId\":\"…\",\"variables\":{\"1\":\"{{contact.name|Kundin}}\",\"2\":\"{{attr.plate}}\"}} (contact.name, contact.customerId, contact.externalId, attr.<key>, each with an optional |fallback); missing lists variables that came out empty.");
        templates.MapDelete("/{id:guid}", async Task<IResult> (Guid id, TemplateStore store, CancellationToken ct) =>
            await store.DeleteAsync(id, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent()).RequirePermission(Permission.ManageChannels);
        templates.MapPost("/sync", async Task<IResult> (TemplateStore store, CancellationToken ct) =>
        {
            var synced = await store.SyncAsync(ct);
            return synced.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(synced.Value);
        })
            .RequirePermission(Permission.ManageChannels)
            .WithDescription("Reads every template of the WABAs from WhatsApp and makes Parley's copy match (added, updated, removed).");
        return api;
    }

    public static RouteGroupBuilder MapNotificationsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/notifications", SendAsync).RequirePermission(Permission.SendMessages).WithTags("Templates")
            .WithSummary("Send an approved template to a contact (transactional notification)")
            .WithDescription("{\"contact\":{\"externalId\":\"crm-42\"},\"template\":{\"name\":\"car_ready\",\"language\":\"de\"},\"variables\":[\"Erika\",\"B-AB 123\"],\"purpose\":\"service\"}; "
                + "variables are an array for positional templates, an object for named ones; phoneNumberId picks the sender (default: the contact's latest conversation's number). "
                + "The Idempotency-Key header makes a retry answer the first send. 202 with the queued message; a consent refusal is 422 with its reason.");
        return api;
    }

    private static async Task<IResult> SendAsync(NotificationRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, Notifications notifications, CancellationToken ct)
    {
        var sent = await notifications.SendAsync(request, idempotencyKey, ct);
        if (sent.Error is { } error)
        {
            return ApiProblems.From(error);
        }

        var message = sent.Value!;
        return TypedResults.Accepted($"/api/v1/conversations/{message.ConversationId}/messages",
            new NotificationAccepted(message.Id, message.ConversationId, message.Status.ToString().ToLowerInvariant(), message.Refusal));
    }
}
