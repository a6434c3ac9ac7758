using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Data;

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
/// Fetches the approved templates of a conversation's WhatsApp number from the Graph API (its WABA's
/// <c>message_templates</c>); a template store in Parley will replace the lookup.
/// </summary>
public sealed partial class TemplateChoices(ParleyDb db, GraphClient graph)
{
    public async Task<IReadOnlyList<TemplateChoice>?> ForConversationAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        var number = await db.Conversations.Where(c => c.Id == conversationId)
            .Join(db.WhatsAppNumbers, c => c.WhatsAppNumberId, n => n.Id, (c, n) => n).FirstOrDefaultAsync(cancellationToken);
        if (number is null || await graph.ApprovedTemplatesAsync(number, cancellationToken) is not { } data)
        {
            return null;
        }

        return [.. data.OfType<JsonObject>().Where(t => Text(t, "status") == "APPROVED").Select(Choice).OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

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
