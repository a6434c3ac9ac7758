using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Parley.Identity;

namespace Parley.Templates;

/// <summary>
/// A text template as the Templates page's form has it — header, body, footer, quick-reply buttons and one
/// example per variable — and as Meta's components. Variables are positional (<c>{{1}}</c>, <c>{{2}}</c>)
/// or named (<c>{{first_name}}</c>); the examples follow their first appearance, header before body.
/// </summary>
public sealed partial record TemplateDraft(string? Header, string Body, string? Footer, IReadOnlyList<string> Buttons, IReadOnlyList<string> Examples)
{
    public IReadOnlyList<string> HeaderVariables => VariablesOf(Header);

    public IReadOnlyList<string> BodyVariables => VariablesOf(Body);

    public IReadOnlyList<string> Variables => [.. HeaderVariables.Concat(BodyVariables)];

    public bool Named => Variables.Any(v => !v.All(char.IsAsciiDigit));

    /// <summary>Meta's components for the draft, or what the form must fix first.</summary>
    public Outcome<JsonArray> Components()
    {
        if (string.IsNullOrWhiteSpace(Body))
        {
            return OperationError.Invalid("body", "The body is the message's text; it can't be empty.");
        }

        var variables = Variables;
        if (Examples.Count != variables.Count)
        {
            return OperationError.Invalid("examples", variables.Count == 0
                ? "The text has no variables, so it needs no examples."
                : $"Give one example per variable, one per line, in this order: {string.Join(", ", variables.Select(v => "{{" + v + "}}"))}.");
        }

        var components = new JsonArray();
        if (!string.IsNullOrWhiteSpace(Header))
        {
            var header = new JsonObject { ["type"] = "HEADER", ["format"] = "TEXT", ["text"] = Header.Trim() };
            if (HeaderVariables.Count > 0)
            {
                header["example"] = Example("header", HeaderVariables, Examples.Take(HeaderVariables.Count).ToList());
            }

            components.Add(header);
        }

        var body = new JsonObject { ["type"] = "BODY", ["text"] = Body.Trim() };
        if (BodyVariables.Count > 0)
        {
            body["example"] = Example("body", BodyVariables, Examples.Skip(HeaderVariables.Count).ToList());
        }

        components.Add(body);
        if (!string.IsNullOrWhiteSpace(Footer))
        {
            components.Add(new JsonObject { ["type"] = "FOOTER", ["text"] = Footer.Trim() });
        }

        if (Buttons.Count > 0)
        {
            components.Add(new JsonObject
            {
                ["type"] = "BUTTONS",
                ["buttons"] = new JsonArray([.. Buttons.Select(b => (JsonNode)new JsonObject { ["type"] = "QUICK_REPLY", ["text"] = b })]),
            });
        }

        return components;
    }

    /// <summary>
    /// The draft a stored template's components make, or null when they hold what the form can't show
    /// (a media header, link or phone buttons…): such a template is edited through the API.
    /// </summary>
    public static TemplateDraft? From(JsonElement components)
    {
        if (components.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? header = null, body = null, footer = null;
        var buttons = new List<string>();
        var examples = new List<string>();
        foreach (var component in components.EnumerateArray())
        {
            var type = component.TryGetProperty("type", out var t) ? t.GetString()?.ToUpperInvariant() : null;
            var text = component.TryGetProperty("text", out var x) ? x.GetString() : null;
            switch (type)
            {
                case "HEADER" when (component.TryGetProperty("format", out var f) ? f.GetString() : "TEXT")?.ToUpperInvariant() == "TEXT":
                    header = text;
                    break;
                case "BODY":
                    body = text;
                    break;
                case "FOOTER":
                    footer = text;
                    break;
                case "BUTTONS" when component.TryGetProperty("buttons", out var list) && list.ValueKind == JsonValueKind.Array:
                    foreach (var button in list.EnumerateArray())
                    {
                        if (!string.Equals(button.TryGetProperty("type", out var bt) ? bt.GetString() : null, "QUICK_REPLY", StringComparison.OrdinalIgnoreCase))
                        {
                            return null;
                        }

                        buttons.Add(button.TryGetProperty("text", out var label) ? label.GetString() ?? "" : "");
                    }

                    break;
                default:
                    return null;
            }
        }

        if (body is null)
        {
            return null;
        }

        foreach (var component in components.EnumerateArray())
        {
            if (component.TryGetProperty("example", out var example))
            {
                examples.AddRange(ExamplesOf(example));
            }
        }

        return new TemplateDraft(header, body, footer, buttons, examples);
    }

    /// <summary>A form's text as lines: trimmed, blank ones left out.</summary>
    public static IReadOnlyList<string> Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static JsonObject Example(string part, IReadOnlyList<string> variables, List<string> values) =>
        variables.Any(v => !v.All(char.IsAsciiDigit))
            ? new JsonObject
            {
                [$"{part}_text_named_params"] = new JsonArray([.. variables.Zip(values).Select(p => (JsonNode)new JsonObject { ["param_name"] = p.First, ["example"] = p.Second })]),
            }
            : part == "header"
                ? new JsonObject { ["header_text"] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]) }
                : new JsonObject { ["body_text"] = new JsonArray(new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))])) };

    private static IEnumerable<string> ExamplesOf(JsonElement example)
    {
        foreach (var property in example.EnumerateObject())
        {
            var values = property.Value;
            if (property.Name == "body_text" && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
            {
                values = values[0];
            }

            if (values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var value in values.EnumerateArray())
            {
                yield return value.ValueKind == JsonValueKind.Object && value.TryGetProperty("example", out var named) ? named.ToString() : value.ToString();
            }
        }
    }

    private static List<string> VariablesOf(string? text) =>
        text is null ? [] : [.. Variable().Matches(text).Select(m => m.Groups[1].Value).Distinct()];

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")]
    private static partial Regex Variable();
}
