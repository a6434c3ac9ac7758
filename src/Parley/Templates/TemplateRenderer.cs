using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Templates;

/// <summary>A template filled in for one contact; <see cref="Missing"/> names variables that came out empty (such a message is never sent).</summary>
public sealed record RenderedTemplate(string? Header, string Body, string? Footer, IReadOnlyList<string> Buttons, IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> Missing);

public sealed record PreviewRequest(Guid? ContactId, JsonObject? Variables);

/// <summary>
/// Fills a template's variables for a contact. Each variable ("1", "2", … or a name) maps to a text that
/// may hold <c>{{contact.name}}</c>, <c>{{contact.customerId}}</c>, <c>{{contact.externalId}}</c> or
/// <c>{{attr.key}}</c>, each with an optional fallback after a bar (<c>{{attr.city|Ihre Stadt}}</c>).
/// Phone numbers are not offered: what a marketer maps must never reveal one.
/// </summary>
public sealed partial class TemplateRenderer(ParleyDb db)
{
    public async Task<Outcome<RenderedTemplate>> PreviewAsync(Guid templateId, PreviewRequest? request, CancellationToken cancellationToken)
    {
        var template = await db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId, cancellationToken);
        if (template is null)
        {
            return OperationError.NotFound;
        }

        var contact = request?.ContactId is { } contactId ? await db.Contacts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == contactId && c.ErasedAt == null, cancellationToken) : null;
        if (contact is null)
        {
            return OperationError.Invalid("contactId", "Choose one of this workspace's contacts for the preview.");
        }

        var attributes = await db.ContactAttributeValues.AsNoTracking().Where(v => v.ContactId == contact.Id)
            .Join(db.AttributeDefinitions, v => v.AttributeId, a => a.Id, (v, a) => new { a.Key, Value = v }).ToListAsync(cancellationToken);
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["contact.name"] = contact.DisplayName ?? contact.ProfileName,
            ["contact.customerId"] = contact.CustomerId,
            ["contact.externalId"] = contact.ExternalId,
        };
        foreach (var attribute in attributes)
        {
            fields[$"attr.{attribute.Key}"] = AttributeValues.ToText(attribute.Value);
        }

        return Render(template, request!.Variables, fields);
    }

    /// <summary>Fills the template from the mapping and the contact's fields.</summary>
    public static RenderedTemplate Render(WhatsAppTemplate template, JsonObject? mapping, IReadOnlyDictionary<string, string?> fields)
    {
        var choice = TemplateChoices.Choice(template);
        var (values, missing) = Fill(choice, mapping, fields);
        string Apply(string text) => Variable().Replace(text, m => values.GetValueOrDefault(m.Groups[1].Value) is { Length: > 0 } v ? v : m.Value);
        using var components = JsonDocument.Parse(template.Components);
        string? Part(string type) => components.RootElement.ValueKind == JsonValueKind.Array
            ? components.RootElement.EnumerateArray().Where(c => c.TryGetProperty("type", out var t) && string.Equals(t.GetString(), type, StringComparison.OrdinalIgnoreCase))
                .Select(c => c.TryGetProperty("text", out var x) ? x.GetString() : null).FirstOrDefault()
            : null;
        return new RenderedTemplate(
            Part("HEADER") is { } header ? Apply(header) : null, Apply(choice.Body), Part("FOOTER"), choice.Buttons, values, missing);
    }

    /// <summary>The value of each variable (in the template's order) and the variables that came out empty or with a field that has no value and no fallback.</summary>
    public static (IReadOnlyDictionary<string, string> Values, IReadOnlyList<string> Missing) Fill(TemplateChoice choice, JsonObject? mapping, IReadOnlyDictionary<string, string?> fields)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var variable in choice.Variables)
        {
            var source = mapping?[variable] is JsonValue given && given.TryGetValue<string>(out var text) ? text : "";
            var gap = false;
            var value = Placeholder().Replace(source, m =>
            {
                var filled = fields.GetValueOrDefault(m.Groups["field"].Value) is { Length: > 0 } known ? known : m.Groups["fallback"].Success ? m.Groups["fallback"].Value : "";
                gap |= filled.Trim().Length == 0;
                return filled;
            }).Trim();
            values[variable] = value;
            if (gap || value.Length == 0)
            {
                missing.Add(variable); // "Angebot für  in Köln" would be a broken message
            }
        }

        return (values, missing);
    }

    /// <summary>The contact fields a mapping text names (<c>contact.name</c>, <c>attr.city</c>).</summary>
    public static IEnumerable<string> FieldsOf(string mapping) => Placeholder().Matches(mapping).Select(m => m.Groups["field"].Value);

    [GeneratedRegex(@"\{\{\s*(?<field>(contact|attr)\.[A-Za-z0-9_]+)\s*(\|(?<fallback>[^}]*))?\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Variable();
}
