using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Contacts;

public sealed record AttributeView(Guid Id, string Key, string Name, string Type, IReadOnlyList<string> Options, DateTime CreatedAt);

public sealed record ListView(Guid Id, string Name, int Members, DateTime CreatedAt);

public sealed record SegmentView(Guid Id, string Name, JsonElement Filter, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record AttributeRequest(string? Key, string? Name, string? Type, List<string>? Options);

public sealed record LabelRequest(string? Name, string? Colour);

public sealed record ListRequest(string? Name);

public sealed record SegmentRequest(string? Name, JsonElement? Filter);

/// <summary>The workspace's attribute definitions, labels, static lists and segments.</summary>
public sealed partial class ContactSets(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock, SegmentFilterParser parser, SegmentPlanner planner)
{
    public const int MaxOptions = 100;

    public Task<List<AttributeView>> AttributesAsync(CancellationToken cancellationToken) =>
        db.AttributeDefinitions.AsNoTracking().OrderBy(a => a.Key).Select(a => View(a)).ToListAsync(cancellationToken);

    public async Task<Outcome<AttributeView>> CreateAttributeAsync(AttributeRequest request, CancellationToken cancellationToken)
    {
        if (request.Key is null || !KeyPattern().IsMatch(request.Key))
        {
            return OperationError.Invalid("key", "key is 1 to 64 characters: lower-case letters, digits and _, starting with a letter.");
        }

        if (!Enum.TryParse<AttributeType>(request.Type, ignoreCase: true, out var type) || int.TryParse(request.Type, out _))
        {
            return OperationError.Invalid("type", "type is one of text, number, date, boolean, choice.");
        }

        var name = string.IsNullOrWhiteSpace(request.Name) ? request.Key : request.Name.Trim();
        if (name.Length > 200)
        {
            return OperationError.Invalid("name", "name has at most 200 characters.");
        }

        var options = (request.Options ?? []).Select(o => o?.Trim() ?? "").ToList();
        if (type == AttributeType.Choice && OptionsProblem(options) is { } problem)
        {
            return problem;
        }

        if (type != AttributeType.Choice && options.Count > 0)
        {
            return OperationError.Invalid("options", "Only a choice attribute has options.");
        }

        if (await db.AttributeDefinitions.AnyAsync(a => a.Key == request.Key, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, $"There already is an attribute '{request.Key}'.", "key");
        }

        var attribute = new AttributeDefinition { WorkspaceId = workspace.RequiredWorkspaceId, Key = request.Key, Name = name, Type = type, Options = options, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.AttributeDefinitions.Add(attribute);
        await db.SaveChangesAsync(cancellationToken);
        return View(attribute);
    }

    /// <summary>Renames an attribute or changes a choice's options; its key and type stay (values are stored by type). Options in use cannot be removed.</summary>
    public async Task<Outcome<AttributeView>> UpdateAttributeAsync(Guid id, AttributeRequest request, CancellationToken cancellationToken)
    {
        var attribute = await db.AttributeDefinitions.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (attribute is null)
        {
            return OperationError.NotFound;
        }

        if ((request.Key is not null && request.Key != attribute.Key) || (request.Type is not null && !string.Equals(request.Type, attribute.Type.ToString(), StringComparison.OrdinalIgnoreCase)))
        {
            return OperationError.Invalid(request.Key is not null && request.Key != attribute.Key ? "key" : "type", "An attribute's key and type cannot change; define a new attribute instead.");
        }

        if (request.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
            {
                return OperationError.Invalid("name", "name is 1 to 200 characters.");
            }

            attribute.Name = request.Name.Trim();
        }

        if (request.Options is not null)
        {
            if (attribute.Type != AttributeType.Choice)
            {
                return OperationError.Invalid("options", "Only a choice attribute has options.");
            }

            var options = request.Options.Select(o => o?.Trim() ?? "").ToList();
            if (OptionsProblem(options) is { } problem)
            {
                return problem;
            }

            var removed = attribute.Options.Except(options).ToList();
            if (removed.Count > 0 && await db.ContactAttributeValues.AnyAsync(v => v.AttributeId == id && v.TextValue != null && removed.Contains(v.TextValue), cancellationToken))
            {
                return new OperationError(ErrorKind.Conflict, "Contacts still have an option you removed; change their values first.", "options");
            }

            attribute.Options = options;
        }

        await db.SaveChangesAsync(cancellationToken);
        return View(attribute);
    }

    private static OperationError? OptionsProblem(List<string> options) =>
        options.Count is 0 or > MaxOptions || options.Any(o => o.Length is 0 or > 200) || options.Distinct(StringComparer.OrdinalIgnoreCase).Count() != options.Count
            ? OperationError.Invalid("options", $"A choice has 1 to {MaxOptions} different options of 1 to 200 characters.")
            : null;

    public async Task<OperationError?> DeleteAttributeAsync(Guid id, CancellationToken cancellationToken)
    {
        var attribute = await db.AttributeDefinitions.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (attribute is null)
        {
            return OperationError.NotFound;
        }

        db.AttributeDefinitions.Remove(attribute);
        audit.Add("attribute.deleted", "attribute", id, attribute.Key);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private static AttributeView View(AttributeDefinition a) => new(a.Id, a.Key, a.Name, a.Type.ToString().ToLowerInvariant(), a.Options, a.CreatedAt);

    public Task<List<LabelView>> LabelsAsync(CancellationToken cancellationToken) =>
        db.Labels.AsNoTracking().OrderBy(l => l.Name).Select(l => new LabelView(l.Id, l.Name, l.Colour)).ToListAsync(cancellationToken);

    public async Task<Outcome<LabelView>> SaveLabelAsync(Guid? id, LabelRequest request, CancellationToken cancellationToken)
    {
        var label = id is null ? null : await db.Labels.FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (id is not null && label is null)
        {
            return OperationError.NotFound;
        }

        var name = request.Name?.Trim() ?? label?.Name;
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return OperationError.Invalid("name", "name is 1 to 100 characters.");
        }

        var colour = request.Colour?.Trim().ToLowerInvariant() ?? label?.Colour ?? "#6b7280";
        if (!ColourPattern().IsMatch(colour))
        {
            return OperationError.Invalid("colour", "colour is a hex colour such as #1f6feb.");
        }

        if (await db.Labels.AnyAsync(l => l.Name == name && l.Id != id, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, $"There already is a label '{name}'.", "name");
        }

        if (label is null)
        {
            label = new Label { WorkspaceId = workspace.RequiredWorkspaceId, Name = name, Colour = colour, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Labels.Add(label);
        }

        (label.Name, label.Colour) = (name, colour);
        await db.SaveChangesAsync(cancellationToken);
        return new LabelView(label.Id, label.Name, label.Colour);
    }

    public Task<OperationError?> DeleteLabelAsync(Guid id, CancellationToken cancellationToken) => RemoveAsync(db.Labels.Where(l => l.Id == id), cancellationToken);

    public Task<List<ListView>> ListsAsync(CancellationToken cancellationToken) =>
        db.ContactLists.AsNoTracking().OrderBy(l => l.Name)
            .Select(l => new ListView(l.Id, l.Name, db.ContactListMembers.Count(m => m.ListId == l.Id), l.CreatedAt)).ToListAsync(cancellationToken);

    public Task<ListView?> FindListAsync(Guid id, CancellationToken cancellationToken) =>
        db.ContactLists.AsNoTracking().Where(l => l.Id == id)
            .Select(l => new ListView(l.Id, l.Name, db.ContactListMembers.Count(m => m.ListId == l.Id), l.CreatedAt)).FirstOrDefaultAsync(cancellationToken);

    public async Task<Outcome<ListView>> SaveListAsync(Guid? id, ListRequest request, CancellationToken cancellationToken)
    {
        var list = id is null ? null : await db.ContactLists.FirstOrDefaultAsync(l => l.Id == id, cancellationToken);
        if (id is not null && list is null)
        {
            return OperationError.NotFound;
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return OperationError.Invalid("name", "name is 1 to 200 characters.");
        }

        if (await db.ContactLists.AnyAsync(l => l.Name == name && l.Id != id, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, $"There already is a list '{name}'.", "name");
        }

        if (list is null)
        {
            list = new ContactList { WorkspaceId = workspace.RequiredWorkspaceId, Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.ContactLists.Add(list);
        }

        list.Name = name;
        await db.SaveChangesAsync(cancellationToken);
        return (await FindListAsync(list.Id, cancellationToken))!;
    }

    public Task<OperationError?> DeleteListAsync(Guid id, CancellationToken cancellationToken) => RemoveAsync(db.ContactLists.Where(l => l.Id == id), cancellationToken);

    /// <summary>Puts contacts on a list (already there: no change); every id must be one of the workspace's contacts.</summary>
    public async Task<Outcome<ListView>> AddMembersAsync(Guid id, IReadOnlyList<Guid>? contactIds, CancellationToken cancellationToken)
    {
        if (!await db.ContactLists.AnyAsync(l => l.Id == id, cancellationToken))
        {
            return OperationError.NotFound;
        }

        if (contactIds is null || contactIds.Count is 0 or > 10_000)
        {
            return OperationError.Invalid("contactIds", "contactIds is an array of 1 to 10,000 contact ids.");
        }

        var wanted = contactIds.Distinct().ToList();
        var known = await db.Contacts.Where(c => wanted.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
        if (wanted.FirstOrDefault(c => !known.Contains(c)) is var missing && missing != Guid.Empty)
        {
            return OperationError.Invalid("contactIds", $"There is no contact {missing} in this workspace.");
        }

        var present = await db.ContactListMembers.Where(m => m.ListId == id && wanted.Contains(m.ContactId)).Select(m => m.ContactId).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        db.ContactListMembers.AddRange(wanted.Except(present).Select(c => new ContactListMember { ListId = id, ContactId = c, WorkspaceId = workspace.RequiredWorkspaceId, AddedAt = now }));
        await db.SaveChangesAsync(cancellationToken);
        return (await FindListAsync(id, cancellationToken))!;
    }

    public Task<OperationError?> RemoveMemberAsync(Guid id, Guid contactId, CancellationToken cancellationToken) =>
        RemoveAsync(db.ContactListMembers.Where(m => m.ListId == id && m.ContactId == contactId), cancellationToken);

    public async Task<List<SegmentView>> SegmentsAsync(CancellationToken cancellationToken) =>
        (await db.Segments.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken)).Select(View).ToList();

    public async Task<SegmentView?> FindSegmentAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken) is { } segment ? View(segment) : null;

    public async Task<Outcome<SegmentView>> SaveSegmentAsync(Guid? id, SegmentRequest request, CancellationToken cancellationToken)
    {
        var segment = id is null ? null : await db.Segments.FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (id is not null && segment is null)
        {
            return OperationError.NotFound;
        }

        var name = request.Name?.Trim() ?? segment?.Name;
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return OperationError.Invalid("name", "name is 1 to 200 characters.");
        }

        var filter = segment?.Filter;
        if (request.Filter is { } given)
        {
            var parsed = await parser.ParseAsync(given, "filter", cancellationToken);
            if (parsed.Error is { } error)
            {
                return error;
            }

            filter = given.GetRawText();
        }

        if (filter is null)
        {
            return OperationError.Invalid("filter", "A segment needs a filter; an \"all\" with no conditions matches every contact.");
        }

        if (filter.Length > 20_000)
        {
            return OperationError.Invalid("filter", "A filter has at most 20,000 characters of JSON.");
        }

        if (await db.Segments.AnyAsync(s => s.Name == name && s.Id != id, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, $"There already is a segment '{name}'.", "name");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (segment is null)
        {
            segment = new Segment { WorkspaceId = workspace.RequiredWorkspaceId, Name = name, Filter = filter, CreatedAt = now, UpdatedAt = now };
            db.Segments.Add(segment);
        }

        (segment.Name, segment.Filter, segment.UpdatedAt) = (name, filter, now);
        await db.SaveChangesAsync(cancellationToken);
        return View(segment);
    }

    public Task<OperationError?> DeleteSegmentAsync(Guid id, CancellationToken cancellationToken) => RemoveAsync(db.Segments.Where(s => s.Id == id), cancellationToken);

    /// <summary>Removes one row through SaveChanges (which queues at the write gate); the database cascades to what hangs on it.</summary>
    private async Task<OperationError?> RemoveAsync<T>(IQueryable<T> row, CancellationToken cancellationToken)
        where T : class
    {
        if (await row.FirstOrDefaultAsync(cancellationToken) is not { } found)
        {
            return OperationError.NotFound;
        }

        db.Remove(found);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>A saved segment's filter, parsed against the workspace as it is now (an attribute may have gone since) and planned for the data as it is now.</summary>
    public async Task<Outcome<SegmentCondition>> SegmentFilterAsync(Guid id, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (segment is null)
        {
            return OperationError.NotFound;
        }

        using var filter = JsonDocument.Parse(segment.Filter);
        var parsed = await parser.ParseAsync(filter.RootElement, "filter", cancellationToken);
        return parsed.Error is { } error
            ? new OperationError(ErrorKind.Refused, $"The segment's filter no longer fits the workspace: {error.Field}: {error.Message}", "filter")
            : await planner.PlanAsync(parsed.Value!, cancellationToken);
    }

    private static SegmentView View(Segment s)
    {
        using var filter = JsonDocument.Parse(s.Filter);
        return new SegmentView(s.Id, s.Name, filter.RootElement.Clone(), s.CreatedAt, s.UpdatedAt);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("^#[0-9a-f]{6}$")]
    private static partial Regex ColourPattern();
}
