using Parley.Identity;

namespace Parley.Privacy;

/// <summary>Data-subject requests over the API: a person's data as an archive.</summary>
public static class PrivacyApi
{
    public static RouteGroupBuilder MapPrivacyApi(this RouteGroupBuilder api)
    {
        api.MapGet("/contacts/{id:guid}/export", ExportAsync).WithTags("Contacts")
            .RequirePermission(Permission.ViewContacts).RequirePermission(Permission.RevealPhoneNumbers)
            .WithSummary("Everything about one person (data-subject access request)")
            .WithDescription("A zip: contact.json (profile with phone and wa_id, attributes, labels, lists, consent ledger and states, consent requests, conversations with every message, campaign history) and media/ with the files of those messages. Needs the phone-reveal permission; every export is in the audit log.");
        return api;
    }

    private static async Task<IResult> ExportAsync(Guid id, HttpContext http, DataSubjectExport export, CancellationToken ct) =>
        await export.RespondAsync(id, http.Response, ct) ? TypedResults.Empty : TypedResults.NotFound();
}
