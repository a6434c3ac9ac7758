using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Templates;

namespace Parley.Inbox;

/// <summary>An approved template as the composer offers it: its body with the variables to fill in.</summary>
public sealed record TemplateChoice(string Name, string Language, string Category, string Body, IReadOnlyList<string> Variables, bool Named, IReadOnlyList<string> Buttons)
{
    public string Key => $"{Name}|{Language}";

    /// <summary>The Cloud API message for these values, in the order of <see cref="Variables"/>.</summary>
    public JsonObject Message(IReadOnlyList<string> values)
    {
        var parameters = new JsonArray();
        for (var i = 0; i < Variables.Count; i++)
        {
            var parameter = new JsonObject { ["type"] = "text", ["text"] = i < values.Count ? values[i] : "" };
            if (Named)
            {
                parameter["parameter_name"] = Variables[i];
            }

            parameters.Add(parameter);
        }

        var template = new JsonObject { ["name"] = Name, ["language"] = new JsonObject { ["code"] = Language } };
        if (parameters.Count > 0)
        {
            template["components"] = new JsonArray(new JsonObject { ["type"] = "body", ["parameters"] = parameters });
        }

        return new JsonObject { ["type"] = "template", ["template"] = template };
    }
}

/// <summary>
/// The approved templates of a conversation's WhatsApp number, from Parley's template store (its WABA's
/// templates); a WABA the store has never seen is synced first.
/// </summary>
public sealed partial class TemplateChoices(ParleyDb db, TemplateStore store)
{
    /// <summary>The choices, or null when WhatsApp could not be asked for a WABA the store does not know yet.</summary>
    public async Task<IReadOnlyList<TemplateChoice>?> ForConversationAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var wabaId = await db.Conversations.Where(c => c.Id == conversationId)
            .Join(db.WhatsAppNumbers, c => c.WhatsAppNumberId, n => n.Id, (c, n) => n.WabaId).FirstOrDefaultAsync(cancellationToken);
        if (wabaId is null)
        {
            return null;
        }

        if (!await db.WhatsAppTemplates.AnyAsync(t => t.WabaId == wabaId, cancellationToken) && (await store.SyncAsync(cancellationToken, wabaId)).Error is not null)
        {
            return null;
        }

        var approved = await db.WhatsAppTemplates.AsNoTracking().Where(t => t.WabaId == wabaId && t.Status == "APPROVED").ToListAsync(cancellationToken);
        return [.. approved.Select(Choice).OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>A stored template as a choice: its body, variables (positional or named) and buttons.</summary>
    public static TemplateChoice Choice(WhatsAppTemplate template) => Choice(new JsonObject
    {
        ["name"] = template.Name,
        ["language"] = template.Language,
        ["category"] = template.Category,
        ["components"] = JsonNode.Parse(template.Components),
    });

    private static TemplateChoice Choice(JsonObject template)
    {
        var components = (template["components"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var body = components.FirstOrDefault(c => string.Equals(Text(c, "type"), "BODY", StringComparison.OrdinalIgnoreCase)) is { } b ? Text(b, "text") ?? "" : "";
        var variables = Variable().Matches(body).Select(m => m.Groups[1].Value).Distinct().ToList();
        var buttons = components.Where(c => string.Equals(Text(c, "type"), "BUTTONS", StringComparison.OrdinalIgnoreCase))
            .SelectMany(c => (c["buttons"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(x => Text(x, "text") ?? "").ToList();
        return new TemplateChoice(
            Text(template, "name") ?? "", Text(template, "language") ?? "", Text(template, "category") ?? "", body,
            variables, variables.Any(v => !int.TryParse(v, out _)), buttons);
    }

    private static string? Text(JsonObject node, string property) =>
        node[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Variable();
}
