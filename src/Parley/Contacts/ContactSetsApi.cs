using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Identity;
using Parley.Inbox;
using Parley.Web;

namespace Parley.Contacts;

public sealed record MembersRequest(List<Guid>? ContactIds);

/// <summary><c>/api/v1/attributes</c>, <c>/labels</c>, <c>/lists</c> (and their members) and <c>/segments</c> (and their contacts).</summary>
public static class ContactSetsApi
{
    public static RouteGroupBuilder MapContactSetsApi(this RouteGroupBuilder api)
    {
        var attributes = api.MapGroup("/attributes").RequirePermission(Permission.ViewContacts).WithTags("Contacts");
        attributes.MapGet("/", (ContactSets sets, CancellationToken ct) => sets.AttributesAsync(ct));
        attributes.MapGet("/{id:guid}", async Task<Results<Ok<AttributeView>, NotFound>> (Guid id, ContactSets sets, CancellationToken ct) =>
            (await sets.AttributesAsync(ct)).FirstOrDefault(a => a.Id == id) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound());
        attributes.MapPost("/", async (AttributeRequest request, ContactSets sets, CancellationToken ct) =>
            Created(await sets.CreateAttributeAsync(request, ct), a => $"/api/v1/attributes/{a.Id}")).RequirePermission(Permission.ManageAttributes)
            .WithDescription("{\"key\":\"city\",\"name\":\"City\",\"type\":\"text|number|date|boolean|choice\",\"options\":[…for a choice]}");
        attributes.MapPatch("/{id:guid}", async (Guid id, AttributeRequest request, ContactSets sets, CancellationToken ct) =>
            Ok(await sets.UpdateAttributeAsync(id, request, ct))).RequirePermission(Permission.ManageAttributes);
        attributes.MapDelete("/{id:guid}", async (Guid id, ContactSets sets, CancellationToken ct) =>
            NoContent(await sets.DeleteAttributeAsync(id, ct))).RequirePermission(Permission.ManageAttributes);

        var labels = api.MapGroup("/labels").RequirePermission(Permission.ViewContacts).WithTags("Contacts");
        labels.MapGet("/", (ContactSets sets, CancellationToken ct) => sets.LabelsAsync(ct));
        labels.MapGet("/{id:guid}", async Task<Results<Ok<LabelView>, NotFound>> (Guid id, ContactSets sets, CancellationToken ct) =>
            (await sets.LabelsAsync(ct)).FirstOrDefault(l => l.Id == id) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound());
        labels.MapPost("/", async (LabelRequest request, ContactSets sets, CancellationToken ct) =>
            Created(await sets.SaveLabelAsync(null, request, ct), l => $"/api/v1/labels/{l.Id}")).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"name\":\"VIP\",\"colour\":\"#1f6feb\"}");
        labels.MapPatch("/{id:guid}", async (Guid id, LabelRequest request, ContactSets sets, CancellationToken ct) =>
            Ok(await sets.SaveLabelAsync(id, request, ct))).RequirePermission(Permission.ManageContacts);
        labels.MapDelete("/{id:guid}", async (Guid id, ContactSets sets, CancellationToken ct) =>
            NoContent(await sets.DeleteLabelAsync(id, ct))).RequirePermission(Permission.ManageContacts);

        var lists = api.MapGroup("/lists").RequirePermission(Permission.ViewContacts).WithTags("Contacts");
        lists.MapGet("/", (ContactSets sets, CancellationToken ct) => sets.ListsAsync(ct));
        lists.MapGet("/{id:guid}", async Task<Results<Ok<ListView>, NotFound>> (Guid id, ContactSets sets, CancellationToken ct) =>
            await sets.FindListAsync(id, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound());
        lists.MapPost("/", async (ListRequest request, ContactSets sets, CancellationToken ct) =>
            Created(await sets.SaveListAsync(null, request, ct), l => $"/api/v1/lists/{l.Id}")).RequirePermission(Permission.ManageContacts);
        lists.MapPatch("/{id:guid}", async (Guid id, ListRequest request, ContactSets sets, CancellationToken ct) =>
            Ok(await sets.SaveListAsync(id, request, ct))).RequirePermission(Permission.ManageContacts);
        lists.MapDelete("/{id:guid}", async (Guid id, ContactSets sets, CancellationToken ct) =>
            NoContent(await sets.DeleteListAsync(id, ct))).RequirePermission(Permission.ManageContacts);
        lists.MapGet("/{id:guid}/members", ListMembersAsync);
        lists.MapPost("/{id:guid}/members", async (Guid id, MembersRequest? request, ContactSets sets, CancellationToken ct) =>
            Ok(await sets.AddMembersAsync(id, request?.ContactIds, ct))).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"contactIds\":[…]}: puts the contacts on the list.");
        lists.MapDelete("/{id:guid}/members/{contactId:guid}", async (Guid id, Guid contactId, ContactSets sets, CancellationToken ct) =>
            NoContent(await sets.RemoveMemberAsync(id, contactId, ct))).RequirePermission(Permission.ManageContacts);

        var segments = api.MapGroup("/segments").RequirePermission(Permission.ViewContacts).WithTags("Contacts");
        segments.MapGet("/", (ContactSets sets, CancellationToken ct) => sets.SegmentsAsync(ct));
        segments.MapGet("/{id:guid}", async Task<Results<Ok<SegmentView>, NotFound>> (Guid id, ContactSets sets, CancellationToken ct) =>
            await sets.FindSegmentAsync(id, ct) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound());
        segments.MapPost("/", async (SegmentRequest request, ContactSets sets, CancellationToken ct) =>
            Created(await sets.SaveSegmentAsync(null, request, ct), s => $"/api/v1/segments/{s.Id}")).RequirePermission(Permission.ManageContacts)
            .WithDescription("{\"name\":\"Berlin VIPs\",\"filter\":{\"type\":\"all\",\"conditions\":[{\"type\":\"attribute\",\"key\":\"city\",\"op\":\"eq\",\"value\":\"Berlin\"},{\"type\":\"label\",\"labelId\":\"…\",\"op\":\"has\"}]}}");
        segments.MapPatch("/{id:guid}", async (Guid id, SegmentRequest request, ContactSets sets, CancellationToken ct) =>
            Ok(await sets.SaveSegmentAsync(id, request, ct))).RequirePermission(Permission.ManageContacts);
        segments.MapDelete("/{id:guid}", async (Guid id, ContactSets sets, CancellationToken ct) =>
            NoContent(await sets.DeleteSegmentAsync(id, ct))).RequirePermission(Permission.ManageContacts);
        segments.MapGet("/{id:guid}/contacts", SegmentContactsAsync)
            .WithDescription("Evaluates the segment now: how many contacts match (total) and a page of them, newest first.");
        return api;
    }

    private static async Task<IResult> ListMembersAsync(Guid id, ContactSets sets, ContactBook book, string? cursor, int? limit, CancellationToken ct)
    {
        if (await sets.FindListAsync(id, ct) is null)
        {
            return TypedResults.NotFound();
        }

        if (Paging(cursor, limit, out var after) is { } bad)
        {
            return bad;
        }

        var (items, next) = await book.PageAsync(book.Query(new ContactQuery(ListId: id)), after, limit ?? 50, ct);
        return TypedResults.Ok(new Page<ContactView>(items, next));
    }

    private static async Task<IResult> SegmentContactsAsync(Guid id, ContactSets sets, ContactBook book, string? cursor, int? limit, CancellationToken ct)
    {
        var filter = await sets.SegmentFilterAsync(id, ct);
        if (filter.Error is { } error)
        {
            return ApiProblems.From(error);
        }

        if (Paging(cursor, limit, out var after) is { } bad)
        {
            return bad;
        }

        var query = new ContactQuery(Segment: filter.Value);
        var total = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(book.Query(query), ct);
        var (items, next) = await book.PageAsync(book.Query(query, pages: true), after, limit ?? 50, ct);
        return TypedResults.Ok(new SegmentPage(total, items, next));
    }

    private static ProblemHttpResult? Paging(string? cursor, int? limit, out AuditCursor? after)
    {
        after = null;
        if (limit is < 1 or > 200)
        {
            return ApiProblems.BadQuery("limit", "limit must lie between 1 and 200.");
        }

        return cursor is not null && !AuditCursor.TryParse(cursor, out after)
            ? ApiProblems.BadQuery("cursor", "cursor must be the 'next' value of a previous page.")
            : null;
    }

    private static IResult Created<T>(Outcome<T> outcome, Func<T, string> location) =>
        outcome.Error is { } error ? ApiProblems.From(error) : TypedResults.Created(location(outcome.Value!), outcome.Value);

    private static IResult Ok<T>(Outcome<T> outcome) => outcome.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(outcome.Value);

    private static IResult NoContent(OperationError? error) => error is null ? TypedResults.NoContent() : ApiProblems.From(error);
}
