using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Privacy;
using Parley.Inbox;
using Parley.Web;

namespace Parley.Contacts;

public sealed record LabelChange(List<Guid>? Add, List<Guid>? Remove);

public sealed record MergeRequest(Guid? DuplicateId);

public sealed record SegmentPage(int Total, IReadOnlyList<ContactView> Items, string? Next);

/// <summary><c>/api/v1/contacts</c>: the workspace's contacts, newest first, with search, filters and cursor paging.</summary>
public static class ContactsApi
{
    public static RouteGroupBuilder MapContactsApi(this RouteGroupBuilder api)
    {
        var contacts = api.MapGroup("/contacts").RequirePermission(Permission.ViewContacts).WithTags("Contacts");
        contacts.MapGet("/", ListAsync)
            .WithDescription("q finds a customer ID, external id or name (and, for roles that may see numbers, a phone number or wa_id); labelId, listId and segmentId filter.");
        contacts.MapPost("/", CreateAsync).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"phone\":\"+49 170 1234567\",\"externalId\":\"crm-42\",\"displayName\":\"Erika\",\"attributes\":{\"city\":\"Berlin\"},\"labels\":[\"<label id>\"]}; the customer ID is assigned.");
        contacts.MapGet("/{id:guid}", GetAsync);
        contacts.MapPatch("/{id:guid}", UpdateAsync).RequirePermission(Permission.ManageContacts)
            .WithDescription("The fields given change (null clears); attributes given change, others stay.");
        contacts.MapDelete("/{id:guid}", DeleteAsync).RequirePermission(Permission.DeleteContacts)
            .WithDescription("Erases the person (DSGVO Art. 17): personal data, message content, media and consent records go; content-free conversation and message records stay for the statistics; the audit log keeps a receipt.");
        contacts.MapGet("/{id:guid}/labels", LabelsAsync);
        contacts.MapPost("/{id:guid}/labels", ChangeLabelsAsync).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"add\":[label ids],\"remove\":[label ids]}");
        contacts.MapPost("/{id:guid}/reveal", RevealAsync).RequirePermission(Permission.RevealPhoneNumbers)
            .WithDescription("The contact's phone number and wa_id; every call is written to the audit log.");
        contacts.MapPost("/{id:guid}/merge", MergeAsync).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"duplicateId\":\"…\"}: moves the duplicate's conversations, labels, lists and attributes here and deletes it.");
        contacts.MapPost("/import", ContactImportApi.ImportAsync).RequirePermission(Permission.ManageContacts).DisableAntiforgery();
        contacts.MapGet("/export", ContactExport.ExportAsync).RequirePermission(Permission.ManageContacts);
        return api;
    }

    private static async Task<IResult> ListAsync(
        ContactBook book, ContactSets sets, string? q, Guid? labelId, Guid? listId, Guid? segmentId, string? cursor, int? limit, CancellationToken ct)
    {
        if (limit is < 1 or > 200)
        {
            return ApiProblems.BadQuery("limit", "limit must lie between 1 and 200.");
        }

        AuditCursor? after = null;
        if (cursor is not null && !AuditCursor.TryParse(cursor, out after))
        {
            return ApiProblems.BadQuery("cursor", "cursor must be the 'next' value of a previous page.");
        }

        SegmentCondition? segment = null;
        if (segmentId is { } id)
        {
            var filter = await sets.SegmentFilterAsync(id, ct);
            if (filter.Error is { } error)
            {
                return error.Kind == ErrorKind.NotFound ? ApiProblems.BadQuery("segmentId", "segmentId is not one of this workspace's segments.") : ApiProblems.From(error);
            }

            segment = filter.Value;
        }

        var (items, next) = await book.PageAsync(book.Query(new ContactQuery(q, labelId, listId, segment), pages: true), after, limit ?? 50, ct);
        return TypedResults.Ok(new Page<ContactView>(items, next));
    }

    private static async Task<Results<Ok<ContactView>, NotFound>> GetAsync(Guid id, ContactBook book, CancellationToken ct) =>
        await book.FindAsync(id, ct) is { } contact ? TypedResults.Ok(contact) : TypedResults.NotFound();

    private static async Task<IResult> CreateAsync(JsonObject? body, ContactBook book, CancellationToken ct)
    {
        var created = await book.CreateAsync(body, ct);
        return created.Error is { } error ? ApiProblems.From(error) : TypedResults.Created($"/api/v1/contacts/{created.Value!.Id}", created.Value);
    }

    private static async Task<IResult> UpdateAsync(Guid id, JsonObject? body, ContactBook book, CancellationToken ct)
    {
        var updated = await book.UpdateAsync(id, body, ct);
        return updated.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(updated.Value);
    }

    private static async Task<IResult> DeleteAsync(Guid id, ContactErasure erasure, CancellationToken ct) =>
        await erasure.EraseAsync(id, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent();

    private static async Task<Results<Ok<IReadOnlyList<LabelView>>, NotFound>> LabelsAsync(Guid id, ContactBook book, CancellationToken ct) =>
        await book.FindAsync(id, ct) is { } contact ? TypedResults.Ok(contact.Labels) : TypedResults.NotFound();

    private static async Task<IResult> ChangeLabelsAsync(Guid id, LabelChange? change, ContactBook book, CancellationToken ct)
    {
        var changed = await book.LabelAsync(id, change?.Add ?? [], change?.Remove ?? [], ct);
        return changed.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(changed.Value!.Labels);
    }

    private static async Task<IResult> RevealAsync(Guid id, ContactBook book, CancellationToken ct)
    {
        var revealed = await book.RevealAsync(id, ct);
        return revealed.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(revealed.Value);
    }

    private static async Task<IResult> MergeAsync(Guid id, MergeRequest? request, ContactMerge merge, CancellationToken ct)
    {
        var merged = await merge.MergeAsync(id, request?.DuplicateId, ct);
        return merged.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(merged.Value);
    }
}
