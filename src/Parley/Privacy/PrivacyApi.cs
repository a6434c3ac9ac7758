using Parley.Identity;
using Parley.Web;

namespace Parley.Privacy;

/// <summary>Data-subject requests and retention over the API.</summary>
public static class PrivacyApi
{
    public static RouteGroupBuilder MapPrivacyApi(this RouteGroupBuilder api)
    {
        api.MapGet("/contacts/{id:guid}/export", ExportAsync).WithTags("Contacts")
            .RequirePermission(Permission.ViewContacts).RequirePermission(Permission.RevealPhoneNumbers)
            .WithSummary("Everything about one person (data-subject access request)")
            .WithDescription("A zip: contact.json (profile with phone and wa_id, attributes, labels, lists, consent ledger and states, consent requests, conversations with every message, campaign history) and media/ with the files of those messages. Needs the phone-reveal permission; every export is in the audit log.");
        var retention = api.MapGroup("/retention").RequirePermission(Permission.ManageRetention).WithTags("Retention");
        retention.MapGet("/", (Retention rules, CancellationToken ct) => rules.GetAsync(ct));
        retention.MapPut("/", async (RetentionRulesRequest request, Retention rules, CancellationToken ct) =>
            await rules.SaveAsync(request, ct) is { Error: { } error } ? ApiProblems.From(error) : TypedResults.Ok((await rules.GetAsync(ct))))
            .WithDescription("{\"messageContentDays\":365,\"mediaDays\":90,\"resolvedConversationDays\":730,\"auditLogDays\":1095,\"consentEvidenceYears\":4}; null or missing keeps that data. The audit log is kept at least 180 days.");
        retention.MapGet("/preview", (RetentionSweep sweep, CancellationToken ct) => sweep.RunAsync(dryRun: true, ct))
            .WithSummary("Dry run").WithDescription("What a retention run would remove now, per category, without changing anything.");
        return api;
    }

    private static async Task<IResult> ExportAsync(Guid id, HttpContext http, DataSubjectExport export, CancellationToken ct) =>
        await export.RespondAsync(id, http.Response, ct) ? TypedResults.Empty : TypedResults.NotFound();
}
