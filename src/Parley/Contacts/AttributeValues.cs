using System.Globalization;
using System.Text.Json;
using Parley.Identity;

namespace Parley.Contacts;

/// <summary>A value checked against its attribute's definition, ready for its typed column.</summary>
public sealed record TypedValue(string? Text, double? Number, DateOnly? Date, bool? Bool)
{
    public void CopyTo(ContactAttributeValue target)
    {
        target.TextValue = Text;
        target.NumberValue = Number;
        target.DateValue = Date;
        target.BoolValue = Bool;
    }

    public bool SameAs(ContactAttributeValue stored) =>
        stored.TextValue == Text && stored.NumberValue == Number && stored.DateValue == Date && stored.BoolValue == Bool;
}

/// <summary>Reads attribute values from JSON (the API) or text (CSV) and writes them back, by the attribute's type.</summary>
public static class AttributeValues
{
    public const int MaxTextLength = 1000;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd.MM.yyyy"];

    /// <summary>The value as the API shows it: string, number, "yyyy-MM-dd" or boolean.</summary>
    public static object? ToJson(ContactAttributeValue value) =>
        (object?)value.TextValue ?? (object?)value.NumberValue ?? (object?)value.DateValue?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? value.BoolValue;

    /// <summary>The value as a CSV cell.</summary>
    public static string ToText(ContactAttributeValue value) =>
        value.TextValue ?? value.NumberValue?.ToString("R", CultureInfo.InvariantCulture) ?? value.DateValue?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        ?? (value.BoolValue is { } b ? (b ? "true" : "false") : "");

    public static Outcome<TypedValue> FromJson(AttributeDefinition attribute, JsonElement json) => attribute.Type switch
    {
        AttributeType.Number when json.ValueKind == JsonValueKind.Number && json.TryGetDouble(out var number) && double.IsFinite(number) => new TypedValue(null, number, null, null),
        AttributeType.Boolean when json.ValueKind is JsonValueKind.True or JsonValueKind.False => new TypedValue(null, null, null, json.GetBoolean()),
        AttributeType.Text or AttributeType.Choice or AttributeType.Date when json.ValueKind == JsonValueKind.String => FromText(attribute, json.GetString()!),
        _ => Mismatch(attribute),
    };

    public static Outcome<TypedValue> FromText(AttributeDefinition attribute, string text)
    {
        var value = text.Trim();
        switch (attribute.Type)
        {
            case AttributeType.Text:
                return text.Length > MaxTextLength
                    ? OperationError.Invalid(attribute.Key, $"A text attribute holds at most {MaxTextLength} characters.")
                    : new TypedValue(text, null, null, null);
            case AttributeType.Number when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                return new TypedValue(null, number, null, null);
            case AttributeType.Date when DateOnly.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date):
                return new TypedValue(null, null, date, null);
            case AttributeType.Boolean when Boolean(value) is { } flag:
                return new TypedValue(null, null, null, flag);
            case AttributeType.Choice when attribute.Options.FirstOrDefault(o => string.Equals(o, value, StringComparison.OrdinalIgnoreCase)) is { } option:
                return new TypedValue(option, null, null, null);
            default:
                return Mismatch(attribute);
        }
    }

    private static bool? Boolean(string value) => value.ToLowerInvariant() switch
    {
        "true" or "yes" or "ja" or "1" => true,
        "false" or "no" or "nein" or "0" => false,
        _ => null,
    };

    private static OperationError Mismatch(AttributeDefinition attribute) => OperationError.Invalid(attribute.Key, attribute.Type switch
    {
        AttributeType.Text => $"'{attribute.Key}' is a text attribute; give a string.",
        AttributeType.Number => $"'{attribute.Key}' is a number attribute; give a number such as 42 or 3.5.",
        AttributeType.Date => $"'{attribute.Key}' is a date attribute; give a date as yyyy-mm-dd.",
        AttributeType.Boolean => $"'{attribute.Key}' is a yes/no attribute; give true or false.",
        AttributeType.Choice => $"'{attribute.Key}' is a choice; give one of: {string.Join(", ", attribute.Options)}.",
        _ => throw new System.Diagnostics.UnreachableException(),
    });
}
