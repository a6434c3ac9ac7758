using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace Parley.Web;

/// <summary>
/// The UI's words. The English text is the key; <c>Web/Locales/de.json</c> holds the German for each key.
/// A test checks that every key the pages use has a German entry.
/// </summary>
public sealed class Texts
{
    public static readonly string[] Cultures = ["en", "de"];

    private readonly FrozenDictionary<string, string> german = Load("de");

    public string this[string english] =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "de" && german.TryGetValue(english, out var translated) ? translated : english;

    public string Format(string english, params object?[] args) => string.Format(CultureInfo.CurrentCulture, this[english], args);

    public IReadOnlyCollection<string> GermanKeys => german.Keys;

    private static FrozenDictionary<string, string> Load(string culture)
    {
        using var stream = typeof(Texts).Assembly.GetManifestResourceStream($"locales/{culture}.json")
            ?? throw new InvalidOperationException($"The {culture} texts are missing from the build.");
        return JsonSerializer.Deserialize<Dictionary<string, string>>(stream)!.ToFrozenDictionary();
    }
}
