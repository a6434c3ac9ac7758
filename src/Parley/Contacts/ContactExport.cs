using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Web;

namespace Parley.Contacts;

/// <summary>
/// <c>GET /api/v1/contacts/export</c>: every contact (or a label's, list's or segment's) as CSV in the
/// import's columns, so an export imports again unchanged. Phone and wa_id columns only for roles that
/// may see numbers; an export that carries them is in the audit log. Written in pages of 2,000 straight to
/// the response.
/// </summary>
public static class ContactExport
{
    public static async Task<IResult> ExportAsync(
        HttpContext http, ContactBook book, ContactSets sets, ParleyDb db, AuditLog audit, Guid? labelId, Guid? listId, Guid? segmentId, CancellationToken ct)
    {
        var refused = await WriteAsync(http, book, sets, db, audit, labelId, listId, segmentId, ct);
        return refused ?? TypedResults.Empty;
    }

    /// <summary>Writes the CSV to the response, or returns why not (before anything is written).</summary>
    public static async Task<IResult?> WriteAsync(
        HttpContext http, ContactBook book, ContactSets sets, ParleyDb db, AuditLog audit, Guid? labelId, Guid? listId, Guid? segmentId, CancellationToken ct)
    {
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

        var attributes = await db.AttributeDefinitions.AsNoTracking().OrderBy(a => a.Key).ToListAsync(ct);
        var labels = await db.Labels.AsNoTracking().ToDictionaryAsync(l => l.Id, l => l.Name, ct);
        var query = book.Query(new ContactQuery(null, labelId, listId, segment));
        var reveal = book.MayRevealPhones;
        if (reveal)
        {
            string[] filters = [.. new[] { labelId is { } l ? $"label {l}" : null, listId is { } li ? $"list {li}" : null, segmentId is { } sg ? $"segment {sg}" : null }.OfType<string>()];
            var which = filters.Length == 0 ? "all contacts" : string.Join(", ", filters);
            audit.Add("contacts.exported", details: $"CSV with phone numbers: {which}");
            await db.SaveChangesAsync(ct);
        }

        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"contacts.csv\"";
        // Cells starting with = + - @ are escaped, so a spreadsheet never runs a name as a formula.
        await using var csv = CsvWriter.Create(http.Response.Body, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
        csv.WriteRecord([.. Header(reveal, attributes)]);
        Guid? after = null;
        while (true)
        {
            var page = await query.Where(c => after == null || c.Id.CompareTo(after.Value) > 0).OrderBy(c => c.Id).Take(2000).ToListAsync(ct);
            if (page.Count == 0)
            {
                break;
            }

            var ids = page.Select(c => c.Id).ToList();
            var values = (await db.ContactAttributeValues.AsNoTracking().Where(v => ids.Contains(v.ContactId)).ToListAsync(ct)).ToLookup(v => v.ContactId);
            var contactLabels = (await db.ContactLabels.AsNoTracking().Where(l => ids.Contains(l.ContactId)).ToListAsync(ct)).ToLookup(l => l.ContactId, l => labels[l.LabelId]);
            foreach (var contact in page)
            {
                csv.WriteField(contact.CustomerId);
                if (reveal)
                {
                    csv.WriteField(contact.Phone);
                    csv.WriteField(contact.WaId);
                }

                csv.WriteField(contact.ExternalId);
                csv.WriteField(contact.DisplayName);
                csv.WriteField(string.Join(';', contactLabels[contact.Id].Order(StringComparer.Ordinal)));
                var own = values[contact.Id].ToDictionary(v => v.AttributeId);
                foreach (var attribute in attributes)
                {
                    csv.WriteField(own.TryGetValue(attribute.Id, out var value) ? AttributeValues.ToText(value) : "");
                }

                csv.WriteField(contact.ProfileName);
                csv.WriteField(contact.LastInboundAt?.ToString("O", CultureInfo.InvariantCulture));
                csv.WriteField(contact.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
                await csv.EndRecordAsync(ct);
            }

            after = page[^1].Id;
            await csv.FlushAsync(ct);
        }

        return null;
    }

    /// <summary>The columns; the profile name and the two times are for reading and map to <c>ignore</c> on import.</summary>
    public static IEnumerable<string> Header(bool reveal, IEnumerable<AttributeDefinition> attributes)
    {
        yield return "customerId";
        if (reveal)
        {
            yield return "phone";
            yield return "waId";
        }

        yield return "externalId";
        yield return "displayName";
        yield return "labels";
        foreach (var attribute in attributes)
        {
            yield return attribute.Key;
        }

        yield return "ignore:profileName";
        yield return "ignore:lastInboundAt";
        yield return "ignore:createdAt";
    }
}
