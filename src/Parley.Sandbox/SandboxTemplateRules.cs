using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Parley.Sandbox;

/// <summary>A template request that passed the synchronous checks.</summary>
public sealed record SandboxTemplateDraft(string Name, string Language, string Category, bool Named, JsonArray Components);

/// <summary>
/// What WhatsApp checks when a template is created or edited, before review: name, category,
/// language, the components and their limits, variables in sequence (or named) with examples.
/// Failures are Graph errors; <see cref="Review"/> is what the later review decides.
/// </summary>
public static partial class SandboxTemplateRules
{
    public static readonly string[] Categories = ["MARKETING", "UTILITY", "AUTHENTICATION"];

    private static readonly string[] ComponentTypes = ["HEADER", "BODY", "FOOTER", "BUTTONS"];
    private static readonly string[] HeaderFormats = ["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION", "GIF"];

    public static IResult? Create(JsonObject body, out SandboxTemplateDraft? draft)
    {
        draft = null;
        var name = SandboxGraphApi.Text(body, "name");
        var category = SandboxGraphApi.Text(body, "category")?.ToUpperInvariant();
        var language = SandboxGraphApi.Text(body, "language");
        var format = SandboxGraphApi.Text(body, "parameter_format")?.ToUpperInvariant() ?? "POSITIONAL";
        if (string.IsNullOrEmpty(name))
        {
            return SandboxGraphErrors.Param("The parameter name is required.");
        }

        if (name.Length > 512 || !NamePattern().IsMatch(name))
        {
            return SandboxGraphErrors.Param("Param name must be at most 512 characters long and contain only lowercase letters, numbers and underscores.");
        }

        if (category is null || !Categories.Contains(category))
        {
            return SandboxGraphErrors.Param($"Param category must be one of {{{string.Join(", ", Categories)}}} - got \"{SandboxGraphApi.Text(body, "category")}\".");
        }

        if (language is null || !LanguagePattern().IsMatch(language))
        {
            return SandboxGraphErrors.Param("Param language must be a template language code such as en_US or de.");
        }

        if (format is not ("POSITIONAL" or "NAMED"))
        {
            return SandboxGraphErrors.Param("Param parameter_format must be one of {POSITIONAL, NAMED}.");
        }

        var invalid = Components(body["components"], category, format == "NAMED", out var components);
        if (invalid is null)
        {
            draft = new SandboxTemplateDraft(name, language, category, format == "NAMED", components!);
        }

        return invalid;
    }

    /// <summary>Checks <c>components</c> and returns a normalised copy (types and formats upper-case).</summary>
    public static IResult? Components(JsonNode? node, string category, bool named, out JsonArray? components)
    {
        components = null;
        if (node is not JsonArray { Count: > 0 } given || given.Any(c => c is not JsonObject))
        {
            return SandboxGraphErrors.Param("The parameter components is required and must be a non-empty array of objects.");
        }

        var copy = (JsonArray)given.DeepClone();
        foreach (var component in copy.OfType<JsonObject>())
        {
            var type = SandboxGraphApi.Text(component, "type")?.ToUpperInvariant();
            if (type is null || !ComponentTypes.Contains(type))
            {
                return SandboxGraphErrors.Param($"Param components[type] must be one of {{{string.Join(", ", ComponentTypes)}}}.");
            }

            component["type"] = type;
        }

        var types = copy.Select(c => SandboxGraphApi.Text(c as JsonObject, "type")!).ToList();
        if (types.GroupBy(t => t).Any(g => g.Count() > 1))
        {
            return SandboxGraphErrors.Param("A template has at most one component of each type.");
        }

        var parts = copy.OfType<JsonObject>().ToDictionary(c => SandboxGraphApi.Text(c, "type")!);
        if (!parts.TryGetValue("BODY", out var body))
        {
            return SandboxGraphErrors.Param("A template needs a BODY component.");
        }

        var invalid = (parts.TryGetValue("HEADER", out var header) ? Header(header, named) : null)
            ?? Body(body, category, named)
            ?? (parts.TryGetValue("FOOTER", out var footer) ? Footer(footer, category) : null)
            ?? (parts.TryGetValue("BUTTONS", out var buttons) ? SandboxTemplateButtons.Check(buttons) : null);
        if (invalid is null)
        {
            components = copy;
        }

        return invalid;
    }

    /// <summary>What review decides: obviously broken bodies (nothing but variables, variables side by side) are rejected.</summary>
    public static (string Outcome, string Reason, string? Rejection, string? Recommendation) Review(JsonArray components)
    {
        var body = components.OfType<JsonObject>().First(c => SandboxGraphApi.Text(c, "type") == "BODY");
        var text = SandboxGraphApi.Text(body, "text") ?? "";
        if (!SandboxTemplate.Placeholder().Replace(text, "").Any(char.IsLetterOrDigit))
        {
            return ("REJECTED", "INVALID_FORMAT", "Your template's body contains only parameters and no text.", "Add text that explains what the parameters mean.");
        }

        return AdjacentVariables().IsMatch(text)
            ? ("REJECTED", "INVALID_FORMAT", "Your template has parameters placed next to each other (like {{1}}{{2}}) without text or punctuation between them.", "Separate parameters with descriptive text and ensure each parameter is clearly contextualized.")
            : ("APPROVED", "NONE", null, null);
    }

    private static IResult? Header(JsonObject header, bool named)
    {
        var format = SandboxGraphApi.Text(header, "format")?.ToUpperInvariant();
        if (format is null || !HeaderFormats.Contains(format))
        {
            return SandboxGraphErrors.User(2388047, "Header Format Is Incorrect", $"The header format must be one of {string.Join(", ", HeaderFormats)}.");
        }

        header["format"] = format;
        if (format == "TEXT")
        {
            var text = SandboxGraphApi.Text(header, "text") ?? "";
            var variables = SandboxTemplate.Variables(text);
            return Malformed(text) is { } malformed ? SandboxGraphErrors.User(2388047, "Header Format Is Incorrect", $"The parameter {malformed} is malformed.")
                : text.Length is 0 or > 60 ? SandboxGraphErrors.User(2388040, "Character Limit Exceeded", "A text header has between 1 and 60 characters.")
                : variables.Count > 1 ? SandboxGraphErrors.User(2388047, "Header Format Is Incorrect", "A text header may have at most one parameter.")
                : Variables(variables, named, header["example"] as JsonObject, named ? "header_text_named_params" : "header_text", 2388047, "Header Format Is Incorrect");
        }

        return format == "LOCATION" || (header["example"] as JsonObject)?["header_handle"] is JsonArray { Count: > 0 }
            ? null
            : SandboxGraphErrors.User(2388047, "Header Format Is Incorrect", $"A {format} header needs example.header_handle with an uploaded sample.");
    }

    private static IResult? Body(JsonObject body, string category, bool named)
    {
        var text = SandboxGraphApi.Text(body, "text");
        if (text is null && category == "AUTHENTICATION")
        {
            // WhatsApp writes authentication bodies itself: "<code> is your verification code."
            body["text"] = "{{1}} is your verification code.";
            return null;
        }

        if (string.IsNullOrWhiteSpace(text) || text.Length > 1024)
        {
            return SandboxGraphErrors.User(2388040, "Character Limit Exceeded", "The body has between 1 and 1024 characters.");
        }

        if (Malformed(text) is { } malformed)
        {
            return SandboxGraphErrors.User(2388072, "Body Format Is Incorrect", $"The parameter {malformed} is malformed: use {{{{1}}}}, {{{{2}}}} … or lower-case names such as {{{{first_name}}}}.");
        }

        var variables = SandboxTemplate.Variables(text);
        var stripped = text.Trim();

        // A body of nothing but parameters passes here and is rejected in review (see Review).
        if (SandboxTemplate.Placeholder().Replace(stripped, "").Any(char.IsLetterOrDigit)
            && (LeadingVariable().IsMatch(stripped) || TrailingVariable().IsMatch(stripped)))
        {
            return SandboxGraphErrors.User(2388299, "Variables Can't Be at the Start or End of the Template", "The body can't start or end with a parameter. Add text before the first or after the last parameter.");
        }

        return Variables(variables, named, body["example"] as JsonObject, named ? "body_text_named_params" : "body_text", 2388072, "Body Format Is Incorrect");
    }

    private static IResult? Footer(JsonObject footer, string category)
    {
        if (category == "AUTHENTICATION" && footer.ContainsKey("code_expiration_minutes"))
        {
            return null;
        }

        var text = SandboxGraphApi.Text(footer, "text") ?? "";
        return text.Length is 0 or > 60 ? SandboxGraphErrors.User(2388040, "Character Limit Exceeded", "The footer has between 1 and 60 characters.")
            : SandboxTemplate.Variables(text).Count > 0 ? SandboxGraphErrors.User(2388073, "Footer Format Is Incorrect", "The footer can't contain parameters.")
            : null;
    }

    /// <summary>Positional variables run {{1}}…{{n}}; named ones are lower-case; either way each has an example.</summary>
    private static IResult? Variables(IReadOnlyList<string> variables, bool named, JsonObject? example, string exampleKey, int subcode, string title)
    {
        if (variables.Count == 0)
        {
            return null;
        }

        var distinct = variables.Distinct(StringComparer.Ordinal).ToList();
        if (named)
        {
            if (distinct.Any(v => !NamedVariable().IsMatch(v)))
            {
                return SandboxGraphErrors.User(subcode, title, "Named parameters are lower-case letters, digits and underscores, starting with a letter, e.g. {{first_name}}.");
            }

            var given = (example?[exampleKey] as JsonArray)?.OfType<JsonObject>()
                .Where(p => !string.IsNullOrEmpty(SandboxGraphApi.Text(p, "example")))
                .Select(p => SandboxGraphApi.Text(p, "param_name")).ToHashSet(StringComparer.Ordinal) ?? [];
            return distinct.All(given.Contains) ? null
                : SandboxGraphErrors.User(subcode, title, $"Each parameter needs a sample value in example.{exampleKey} (param_name and example).");
        }

        var expected = Enumerable.Range(1, distinct.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!distinct.Order(StringComparer.Ordinal).SequenceEqual(expected.Order(StringComparer.Ordinal)))
        {
            return SandboxGraphErrors.User(subcode, title, "Positional parameters must be numbered {{1}}, {{2}} … in sequence; for names set parameter_format to NAMED.");
        }

        var samples = example?[exampleKey] switch
        {
            JsonArray { Count: > 0 } rows when rows[0] is JsonArray row => row.Count,
            JsonArray values when exampleKey == "header_text" => values.Count,
            _ => 0,
        };
        return samples == distinct.Count ? null
            : SandboxGraphErrors.User(subcode, title, $"The template has {distinct.Count} parameter(s) but example.{exampleKey} gives {samples} sample value(s).");
    }

    /// <summary>The first <c>{{…}}</c> that is not a parameter (upper case, spaces inside a name, empty).</summary>
    private static string? Malformed(string text) =>
        AnyPlaceholder().Matches(text).Select(m => m.Value).FirstOrDefault(p => !SandboxTemplate.Placeholder().IsMatch(p));

    [GeneratedRegex(@"\{\{[^{}]*\}\}")]
    private static partial Regex AnyPlaceholder();

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z]{2,3}(_[A-Z]{2,4})?$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex NamedVariable();

    [GeneratedRegex(@"^\{\{\s*[a-z0-9_]+\s*\}\}")]
    private static partial Regex LeadingVariable();

    [GeneratedRegex(@"\{\{\s*[a-z0-9_]+\s*\}\}$")]
    private static partial Regex TrailingVariable();

    [GeneratedRegex(@"\}\}\s*\{\{")]
    private static partial Regex AdjacentVariables();
}
