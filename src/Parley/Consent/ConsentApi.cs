using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Web;

namespace Parley.Consent;

/// <summary>A contact's consent (<c>/api/v1/contacts/{id}/consent</c>), purposes and wordings, objection keywords.</summary>
public static class ConsentApi
{
    public static RouteGroupBuilder MapConsentApi(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").WithTags("Consent");
        contacts.MapGet("/{id:guid}/consent", GetContactConsent).RequirePermission(Permission.ViewConsent)
            .WithSummary("A contact's current consent per purpose and its full history, newest first");
        contacts.MapPost("/{id:guid}/consent", RecordConsent).RequirePermission(Permission.RecordConsent)
            .WithSummary("Record a grant or withdrawal")
            .WithDescription(
                "{\"purpose\":\"marketing\",\"action\":\"grant\"|\"withdraw\",\"source\":\"api|web_form|import|inbound_message|agent|paper\","
                + "\"channel\":\"whatsapp|web|phone|email|paper|in_person|api|sms\" (default api),\"wording\":\"the exact text\" or \"wordingId\","
                + "\"evidence\":\"a reference (form id, ticket, file)\",\"occurredAt\":\"when the person said it\" (default now)}. "
                + "Records are never changed; the latest statement per purpose is the current state.");

        var consent = api.MapGroup("/consent").WithTags("Consent");
        consent.MapGet("/purposes", (ConsentCatalog catalog, CancellationToken ct) => catalog.ListAsync(ct)).RequirePermission(Permission.ViewConsent);
        consent.MapPost("/purposes", CreatePurpose).RequirePermission(Permission.ManageConsent);
        consent.MapGet("/purposes/{key}/wordings", GetWordings).RequirePermission(Permission.ViewConsent);
        consent.MapPost("/purposes/{key}/wordings", CreateWording).RequirePermission(Permission.ManageConsent)
            .WithSummary("Add a new version of a purpose's wording in one language (de or en); earlier versions stay");
        consent.MapGet("/keywords", (ConsentKeywords keywords, CancellationToken ct) => keywords.GetAsync(ct)).RequirePermission(Permission.ViewConsent);
        consent.MapPut("/keywords", SetKeywords).RequirePermission(Permission.ManageConsent)
            .WithSummary("Objection keywords (stop) and resume keywords (start) for marketing, and the confirmations they get (null for the built-in one)");
        return api;
    }

    private static async Task<Results<Ok<ContactConsentView>, NotFound>> GetContactConsent(Guid id, ConsentLedger ledger, CancellationToken ct) =>
        await ledger.OverviewAsync(id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<IResult> RecordConsent(Guid id, RecordConsentRequest? request, ConsentLedger ledger, CancellationToken ct)
    {
        var recorded = await ledger.RecordAsync(id, request ?? new RecordConsentRequest(null, null, null, null, null, null, null, null), ct);
        return recorded.Error is { } error
            ? ApiProblems.From(error)
            : TypedResults.Created($"/api/v1/contacts/{id}/consent", recorded.Value);
    }

    private static async Task<IResult> CreatePurpose(CreatePurposeRequest request, ConsentCatalog catalog, CancellationToken ct)
    {
        var created = await catalog.AddPurposeAsync(request, ct);
        return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/consent/purposes/{created.Value!.Key}/wordings", created.Value);
    }

    private static async Task<Results<Ok<IReadOnlyList<WordingView>>, NotFound>> GetWordings(string key, ConsentCatalog catalog, CancellationToken ct) =>
        await catalog.WordingsAsync(key, ct) is { } wordings ? TypedResults.Ok(wordings) : TypedResults.NotFound();

    private static async Task<IResult> CreateWording(string key, CreateWordingRequest request, ConsentCatalog catalog, CancellationToken ct)
    {
        var created = await catalog.AddWordingAsync(key, request, ct);
        return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/consent/purposes/{key}/wordings", created.Value);
    }

    private static async Task<IResult> SetKeywords(KeywordSettingsRequest request, ConsentKeywords keywords, CancellationToken ct)
    {
        var set = await keywords.SetAsync(request, ct);
        return set.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(set.Value);
    }
}
