using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

public sealed record LabelView(Guid Id, string Name, string Colour);

/// <summary>A contact as the API shows it; <see cref="Phone"/> and <see cref="WaId"/> are null for roles that may not see numbers.</summary>
public sealed record ContactView(
    Guid Id, string CustomerId, string? Phone, string? WaId, string? ExternalId, string? DisplayName, string? ProfileName,
    IReadOnlyDictionary<string, object?> Attributes, IReadOnlyList<LabelView> Labels, IReadOnlyList<Guid> Lists,
    DateTime? LastInboundAt, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record RevealedPhone(Guid Id, string CustomerId, string? Phone, string? WaId);

/// <summary>What to look for: free text, a label, a list, a segment.</summary>
public sealed record ContactQuery(string? Search = null, Guid? LabelId = null, Guid? ListId = null, SegmentCondition? Segment = null);

/// <summary>
/// The workspace's contacts: create, change, find, label, reveal, delete. The API and the pages go
/// through here, so pseudonymisation and validation hold everywhere: a role without
/// <see cref="Permission.RevealPhoneNumbers"/> never gets a number, nor finds a contact by one.
/// </summary>
public sealed class ContactBook(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public const int MaxNameLength = 200;

    private static readonly HashSet<string> Fields = ["phone", "externalId", "displayName", "attributes", "labels"];

    public bool MayRevealPhones => workspace.Can(Permission.RevealPhoneNumbers);

    /// <summary>
    /// The contacts that match. With <paramref name="pages"/> the query is read a page at a time, newest first: a
    /// broad segment is then checked contact by contact along that order instead of gathered whole and sorted.
    /// On PostgreSQL, where the planner leaves every segment unmeasured, pages always take the correlated
    /// form and PostgreSQL itself chooses between walking the order and a semi-join.
    /// </summary>
    public IQueryable<Contact> Query(ContactQuery query, bool pages = false)
    {
        var contacts = db.Contacts.AsNoTracking().Where(c => c.ErasedAt == null);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var text = query.Search.Trim();
            var customerId = CustomerIds.Normalise(text);
            var lower = text.ToLowerInvariant();
            var phone = MayRevealPhones ? Phones.Normalise(text) : null;
            var waId = MayRevealPhones && text.All(char.IsAsciiDigit) ? text : null;
#pragma warning disable CA1304, CA1311, CA1862 // EF translates ToLower to SQL lower(); no culture is involved.
            // Each identifier only when the text is one: a null would match every contact without it.
            contacts = contacts.Where(c => (customerId != null && c.CustomerId == customerId) || c.ExternalId == text
                || (phone != null && c.Phone == phone) || (waId != null && c.WaId == waId)
                || c.DisplayName!.ToLower().Contains(lower) || c.ProfileName!.ToLower().Contains(lower));
#pragma warning restore CA1304, CA1311, CA1862
        }

        if (query.LabelId is { } labelId)
        {
            contacts = contacts.Where(c => db.ContactLabels.Any(l => l.ContactId == c.Id && l.LabelId == labelId));
        }

        if (query.ListId is { } listId)
        {
            contacts = contacts.Where(c => db.ContactListMembers.Any(m => m.ContactId == c.Id && m.ListId == listId));
        }

        if (query.Segment is { } segment)
        {
            var walk = pages && SegmentPlanner.IsBroad(segment);
            contacts = contacts.Where(segment.ToPredicate(db, clock.GetUtcNow().UtcDateTime, correlated: walk));
        }

        return contacts;
    }

    /// <summary>Newest first; the cursor is the last item's creation time and id.</summary>
    public async Task<(List<ContactView> Items, string? Next)> PageAsync(IQueryable<Contact> contacts, AuditCursor? after, int limit, CancellationToken cancellationToken)
    {
        if (after is not null)
        {
            contacts = contacts.Where(c => c.CreatedAt < after.At || (c.CreatedAt == after.At && c.Id.CompareTo(after.Id) < 0));
        }

        var rows = await contacts.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var items = await ViewsAsync(rows.Take(limit).ToList(), cancellationToken);
        var next = rows.Count > limit ? new AuditCursor(rows[limit - 1].CreatedAt, rows[limit - 1].Id).ToString() : null;
        return (items, next);
    }

    public async Task<ContactView?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, cancellationToken) is { } contact
            ? (await ViewsAsync([contact], cancellationToken))[0]
            : null;

    public async Task<List<ContactView>> ViewsAsync(List<Contact> contacts, CancellationToken cancellationToken)
    {
        var ids = contacts.Select(c => c.Id).ToList();
        var attributes = await db.ContactAttributeValues.AsNoTracking().Where(v => ids.Contains(v.ContactId))
            .Join(db.AttributeDefinitions, v => v.AttributeId, a => a.Id, (v, a) => new { Value = v, a.Key }).ToListAsync(cancellationToken);
        var labels = await db.ContactLabels.AsNoTracking().Where(l => ids.Contains(l.ContactId))
            .Join(db.Labels, cl => cl.LabelId, l => l.Id, (cl, l) => new { cl.ContactId, View = new LabelView(l.Id, l.Name, l.Colour) }).ToListAsync(cancellationToken);
        var lists = await db.ContactListMembers.AsNoTracking().Where(m => ids.Contains(m.ContactId)).Select(m => new { m.ContactId, m.ListId }).ToListAsync(cancellationToken);
        var reveal = MayRevealPhones;
        return contacts.Select(c => new ContactView(
            c.Id, c.CustomerId, reveal ? c.Phone : null, reveal ? c.WaId : null, c.ExternalId, c.DisplayName, c.ProfileName,
            attributes.Where(a => a.Value.ContactId == c.Id).OrderBy(a => a.Key, StringComparer.Ordinal).ToDictionary(a => a.Key, a => AttributeValues.ToJson(a.Value)),
            [.. labels.Where(l => l.ContactId == c.Id).Select(l => l.View).OrderBy(l => l.Name, StringComparer.Ordinal)],
            [.. lists.Where(l => l.ContactId == c.Id).Select(l => l.ListId)],
            c.LastInboundAt, c.CreatedAt, c.UpdatedAt)).ToList();
    }

    public async Task<Outcome<ContactView>> CreateAsync(JsonObject? body, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var contact = new Contact { WorkspaceId = workspace.RequiredWorkspaceId, CreatedAt = now, UpdatedAt = now };
        if (await ApplyAsync(contact, body ?? [], cancellationToken) is { } error)
        {
            return error;
        }

        db.Contacts.Add(contact);
        await CustomerIds.EnsureUniqueAsync(db, [contact], cancellationToken);
        audit.Add("contact.created", "contact", contact.Id, contact.CustomerId);
        await db.SaveChangesAsync(cancellationToken);
        return (await FindAsync(contact.Id, cancellationToken))!;
    }

    public async Task<Outcome<ContactView>> UpdateAsync(Guid id, JsonObject? body, CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, cancellationToken);
        if (contact is null)
        {
            return OperationError.NotFound;
        }

        if (await ApplyAsync(contact, body ?? [], cancellationToken) is { } error)
        {
            return error;
        }

        contact.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return (await FindAsync(contact.Id, cancellationToken))!;
    }

    /// <summary>Checks every field first and changes the contact only when all of them are good.</summary>
    private async Task<OperationError?> ApplyAsync(Contact contact, JsonObject body, CancellationToken cancellationToken)
    {
        if (body.Select(p => p.Key).FirstOrDefault(k => !Fields.Contains(k)) is { } unknown)
        {
            return OperationError.Invalid(unknown, $"'{unknown}' is not a contact field; the fields are {string.Join(", ", Fields)}.");
        }

        string? phone = contact.Phone;
        if (body.TryGetPropertyValue("phone", out var phoneNode))
        {
            if (phoneNode is null)
            {
                phone = null;
            }
            else if (phoneNode.GetValueKind() != JsonValueKind.String || Phones.Normalise(phoneNode.GetValue<string>()) is not { } normalised)
            {
                return OperationError.Invalid("phone", "phone is not a valid phone number; write it with its country code, e.g. +49 170 1234567.");
            }
            else
            {
                phone = normalised;
            }

            if (phone is not null && phone != contact.Phone)
            {
                var waId = Phones.WaIdOf(phone);
                if (await db.Contacts.AnyAsync(c => c.Id != contact.Id && (c.Phone == phone || c.WaId == waId), cancellationToken))
                {
                    return new OperationError(ErrorKind.Conflict, "Another contact already has this phone number; merge the two instead.", "phone");
                }
            }
        }

        var externalId = contact.ExternalId;
        if (body.TryGetPropertyValue("externalId", out var externalNode))
        {
            if (TextOf(externalNode, "externalId", MaxNameLength) is { Error: { } error })
            {
                return error;
            }

            externalId = TextOf(externalNode, "externalId", MaxNameLength).Value;
            if (externalId is not null && externalId != contact.ExternalId
                && await db.Contacts.AnyAsync(c => c.Id != contact.Id && c.ExternalId == externalId, cancellationToken))
            {
                return new OperationError(ErrorKind.Conflict, "Another contact already has this external id.", "externalId");
            }
        }

        var displayName = contact.DisplayName;
        if (body.TryGetPropertyValue("displayName", out var nameNode))
        {
            var name = TextOf(nameNode, "displayName", MaxNameLength);
            if (name.Error is { } error)
            {
                return error;
            }

            displayName = name.Value;
        }

        var values = new Dictionary<AttributeDefinition, TypedValue?>();
        if (body.TryGetPropertyValue("attributes", out var attributesNode) && attributesNode is not null)
        {
            if (attributesNode is not JsonObject given)
            {
                return OperationError.Invalid("attributes", "attributes is an object of attribute keys and values.");
            }

            var definitions = await db.AttributeDefinitions.AsNoTracking().ToDictionaryAsync(a => a.Key, cancellationToken);
            foreach (var (key, node) in given)
            {
                if (!definitions.TryGetValue(key, out var definition))
                {
                    return OperationError.Invalid($"attributes.{key}", $"There is no attribute '{key}' in this workspace; define it first.");
                }

                if (node is null)
                {
                    values[definition] = null;
                    continue;
                }

                var value = AttributeValues.FromJson(definition, JsonSerializer.SerializeToElement(node));
                if (value.Error is { } error)
                {
                    return OperationError.Invalid($"attributes.{key}", error.Message);
                }

                values[definition] = value.Value;
            }
        }

        var labelIds = new List<Guid>();
        if (body.TryGetPropertyValue("labels", out var labelsNode) && labelsNode is not null)
        {
            var parsed = await LabelIdsAsync(labelsNode, cancellationToken);
            if (parsed.Error is { } error)
            {
                return error;
            }

            labelIds = parsed.Value!;
        }

        // Everything is valid: apply it.
        contact.Phone = phone;
        if (phone is not null)
        {
            contact.WaId = Phones.WaIdOf(phone);
        }
        else if (phoneNode is null && body.ContainsKey("phone"))
        {
            contact.WaId = null;
        }

        contact.ExternalId = externalId;
        contact.DisplayName = displayName;
        if (values.Count > 0)
        {
            var ids = values.Keys.Select(a => a.Id).ToList();
            var stored = await db.ContactAttributeValues.Where(v => v.ContactId == contact.Id && ids.Contains(v.AttributeId)).ToDictionaryAsync(v => v.AttributeId, cancellationToken);
            foreach (var (definition, value) in values)
            {
                SetValue(contact, definition.Id, value, stored.GetValueOrDefault(definition.Id));
            }
        }

        if (body.ContainsKey("labels"))
        {
            var current = await db.ContactLabels.Where(l => l.ContactId == contact.Id).ToListAsync(cancellationToken);
            db.ContactLabels.RemoveRange(current.Where(l => !labelIds.Contains(l.LabelId)));
            foreach (var labelId in labelIds.Where(id => current.All(l => l.LabelId != id)))
            {
                db.ContactLabels.Add(new ContactLabel { ContactId = contact.Id, LabelId = labelId, WorkspaceId = contact.WorkspaceId });
            }
        }

        return null;
    }

    internal void SetValue(Contact contact, Guid attributeId, TypedValue? value, ContactAttributeValue? stored)
    {
        if (value is null)
        {
            if (stored is not null)
            {
                db.ContactAttributeValues.Remove(stored);
            }

            return;
        }

        if (stored is null)
        {
            stored = new ContactAttributeValue { ContactId = contact.Id, AttributeId = attributeId, WorkspaceId = contact.WorkspaceId };
            db.ContactAttributeValues.Add(stored);
        }

        value.CopyTo(stored);
    }

    private async Task<Outcome<List<Guid>>> LabelIdsAsync(JsonNode node, CancellationToken cancellationToken)
    {
        if (node is not JsonArray array || array.Any(n => n is null || n.GetValueKind() != JsonValueKind.String || !Guid.TryParse(n.GetValue<string>(), out _)))
        {
            return OperationError.Invalid("labels", "labels is an array of label ids.");
        }

        var ids = array.Select(n => Guid.Parse(n!.GetValue<string>())).Distinct().ToList();
        var known = await db.Labels.Where(l => ids.Contains(l.Id)).Select(l => l.Id).ToListAsync(cancellationToken);
        return ids.FirstOrDefault(id => !known.Contains(id)) is var missing && missing != Guid.Empty
            ? OperationError.Invalid("labels", $"There is no label {missing} in this workspace.")
            : ids;
    }

    private static Outcome<string?> TextOf(JsonNode? node, string field, int maxLength)
    {
        if (node is null)
        {
            return new Outcome<string?>(null, null);
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            return OperationError.Invalid(field, $"{field} is a string.");
        }

        var text = node.GetValue<string>().Trim();
        return text.Length > maxLength
            ? OperationError.Invalid(field, $"{field} has at most {maxLength} characters.")
            : new Outcome<string?>(text.Length == 0 ? null : text, null);
    }

    /// <summary>Adds and removes labels of one contact (label ids in <paramref name="add"/> and <paramref name="remove"/>).</summary>
    public async Task<Outcome<ContactView>> LabelAsync(Guid id, IReadOnlyList<Guid> add, IReadOnlyList<Guid> remove, CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, cancellationToken);
        if (contact is null)
        {
            return OperationError.NotFound;
        }

        var wanted = add.Concat(remove).Distinct().ToList();
        var known = await db.Labels.Where(l => wanted.Contains(l.Id)).Select(l => l.Id).ToListAsync(cancellationToken);
        if (wanted.FirstOrDefault(l => !known.Contains(l)) is var missing && missing != Guid.Empty)
        {
            return OperationError.Invalid(add.Contains(missing) ? "add" : "remove", $"There is no label {missing} in this workspace.");
        }

        var current = await db.ContactLabels.Where(l => l.ContactId == id).ToListAsync(cancellationToken);
        db.ContactLabels.RemoveRange(current.Where(l => remove.Contains(l.LabelId)));
        foreach (var labelId in add.Distinct().Where(l => !remove.Contains(l) && current.All(c => c.LabelId != l)))
        {
            db.ContactLabels.Add(new ContactLabel { ContactId = id, LabelId = labelId, WorkspaceId = contact.WorkspaceId });
        }

        await db.SaveChangesAsync(cancellationToken);
        return (await FindAsync(id, cancellationToken))!;
    }

    /// <summary>The number of one contact, for a person allowed to see it; every reveal is in the audit log.</summary>
    public async Task<Outcome<RevealedPhone>> RevealAsync(Guid id, CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id && c.ErasedAt == null, cancellationToken);
        if (contact is null)
        {
            return OperationError.NotFound;
        }

        if (!MayRevealPhones)
        {
            return new OperationError(ErrorKind.Forbidden, "Your role may not see phone numbers.");
        }

        audit.Add("contact.phone_revealed", "contact", contact.Id, contact.CustomerId);
        await db.SaveChangesAsync(cancellationToken);
        return new RevealedPhone(contact.Id, contact.CustomerId, contact.Phone, contact.WaId);
    }
}
