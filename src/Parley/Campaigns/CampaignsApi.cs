using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Web;

namespace Parley.Campaigns;

/// <summary><c>/api/v1/campaigns</c>: plan, start, pause, resume, cancel; counts and recipients.</summary>
public static class CampaignsApi
{
    public static RouteGroupBuilder MapCampaignsApi(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/campaigns").RequirePermission(Permission.ViewCampaigns).WithTags("Campaigns");
        campaigns.MapGet("/", (Campaigns service, CancellationToken ct) => service.ListAsync(ct));
        campaigns.MapPost("/", async Task<IResult> (CampaignRequest? request, CampaignPlanner planner, Campaigns service, CancellationToken ct) =>
        {
            var created = await planner.CreateAsync(request, ct);
            return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/campaigns/{created.Value!.Id}", await service.FindAsync(created.Value.Id, ct));
        }).RequirePermission(Permission.ManageCampaigns)
            .WithDescription("Plans a campaign (a draft: recipients written, skips named, cost estimated; nothing is sent until start): "
                + "{\"name\":\"Frühjahr\",\"template\":{\"name\":\"spring_offer\",\"language\":\"de\"},\"variables\":{\"1\":\"{{contact.name|Kundin}}\",\"2\":\"{{attr.city}}\"},"
                + "\"audience\":{\"lists\":[…],\"segments\":[…]},\"numbers\":[\"<phoneNumberId>\"],\"purpose\":\"marketing\","
                + "\"schedule\":{\"startAt\":\"2026-12-04T08:00:00Z\",\"sendFrom\":\"09:00\",\"sendUntil\":\"20:00\",\"timeZone\":\"Europe/Berlin\"},\"frequencyCap\":{\"messages\":1,\"days\":7}}.");
        campaigns.MapGet("/{id:guid}", async Task<Results<Ok<CampaignView>, NotFound>> (Guid id, Campaigns service, CancellationToken ct) =>
            await service.FindAsync(id, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound())
            .WithDescription("The campaign with its counts per recipient state, funnel, skips and failures by reason, opt-outs it triggered, estimate and cost so far.");
        campaigns.MapGet("/{id:guid}/recipients", async Task<IResult> (Guid id, string? status, string? after, int? limit, Campaigns service, CancellationToken ct) =>
        {
            var page = await service.RecipientsAsync(id, status, after, Math.Clamp(limit ?? 100, 1, 1000), ct);
            return page.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(page.Value);
        }).WithDescription("Recipients by customer ID in planning order; status filter (pending, queued, sent, delivered, read, replied, failed, skipped, cancelled); after = the previous page's next.");
        campaigns.MapGet("/{id:guid}/recipients.csv", async Task<IResult> (Guid id, HttpContext http, Campaigns service, CancellationToken ct) =>
        {
            if (await service.ExistsAsync(id, ct) is false)
            {
                return TypedResults.NotFound();
            }

            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"campaign-{id}.csv\"";
            await service.WriteCsvAsync(id, http.Response.Body, ct);
            return TypedResults.Empty;
        });
        campaigns.MapPost("/{id:guid}/start", (Guid id, Campaigns service, CancellationToken ct) => Act(service.StartAsync(id, ct))).RequirePermission(Permission.ManageCampaigns);
        campaigns.MapPost("/{id:guid}/pause", (Guid id, Campaigns service, CancellationToken ct) => Act(service.PauseAsync(id, ct))).RequirePermission(Permission.ManageCampaigns);
        campaigns.MapPost("/{id:guid}/resume", (Guid id, Campaigns service, CancellationToken ct) => Act(service.ResumeAsync(id, ct))).RequirePermission(Permission.ManageCampaigns);
        campaigns.MapPost("/{id:guid}/cancel", (Guid id, Campaigns service, CancellationToken ct) => Act(service.CancelAsync(id, ct))).RequirePermission(Permission.ManageCampaigns);
        return api;
    }

    private static async Task<IResult> Act(Task<Parley.Identity.OperationError?> action) =>
        await action is { } error ? ApiProblems.From(error) : TypedResults.NoContent();
}
