using System.Globalization;
using System.Text.RegularExpressions;
using Parley.Identity;
using Parley.Web;

namespace Parley.Tests.Web;

/// <summary>
/// The English text is the key of its German translation, so these tests read the sources: every key a
/// page uses has a German entry, and <c>Web/Locales/de.json</c> holds nothing that nothing uses.
/// </summary>
public sealed partial class TextsTests
{
    private static readonly string Source = Path.Combine(RepositoryRoot(), "src", "Parley");
    private static readonly HashSet<string> German = new Texts().GermanKeys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Files whose sentences reach the pages as <c>T[Model.Message]</c> or <c>T[Model.Error]</c>.</summary>
    private static readonly string[] MessageFiles =
    [
        "Identity/Pages/*.cshtml.cs",
        "Identity/Members.cs",
        "Identity/ApiKeys.cs",
        "Identity/SignInService.cs",
        "Identity/Passwords.cs",
        "Channels/WhatsApp/Pages/*.cshtml.cs",
        "Channels/WhatsApp/WhatsAppNumbers.cs",
        "Channels/WhatsApp/BusinessProfiles.cs",
        "Teams/TeamRoster.cs",
        "Teams/Agents.cs",
        "Teams/Pages/*.cshtml.cs",
        "Consent/Pages/*.cshtml.cs",
        "Consent/ConsentLedger.cs",
        "Consent/ConsentCatalog.cs",
        "Consent/ConsentKeywords.cs",
        "Consent/ConsentRequests.cs",
        "Consent/Purposes.cs",
        "Contacts/Pages/*.cshtml.cs",
        "Contacts/ContactBook.cs",
        "Contacts/ContactSets.cs",
        "Contacts/ContactMerge.cs",
        "Inbox/Pages/*.cshtml.cs",
        "Inbox/Assignments.cs",
        "Inbox/ConversationActions.cs",
        "Inbox/Notes.cs",
        "Inbox/CannedReplies.cs",
        "Privacy/Retention.cs",
        "Templates/Pages/*.cshtml.cs",
    ];

    /// <summary>Sentences in those files that no page shows.</summary>
    private static readonly HashSet<string> NotShownOnPages = new(StringComparer.Ordinal)
    {
        "There is no account with this e-mail address.", // the command line's password reset
    };

    [Fact]
    public void EveryTextOnThePages_HasAGermanTranslation()
    {
        var keys = Literals(SourceFiles("*.cshtml"), PageKeys()).Concat(Literals(SourceFiles("*.cs"), CodeKeys())).ToList();

        Assert.True(keys.Count > 50, $"Only {keys.Count} texts found; has the way pages call T changed?");
        AssertAllGerman(keys);
    }

    [Fact]
    public void EveryRoleLabel_HasAGermanTranslation() =>
        AssertAllGerman(Roles.All.Select(role => (File: Path.Combine(Source, "Identity", "Role.cs"), Key: Roles.Label(Roles.Name(role)))));

    [Fact]
    public void EveryMessageThePagesShow_HasAGermanTranslation()
    {
        var files = MessageFiles.SelectMany(pattern => Directory.EnumerateFiles(Path.Combine(Source, Path.GetDirectoryName(pattern)!), Path.GetFileName(pattern)));
        var messages = Literals(files, Sentences()).Where(message => !NotShownOnPages.Contains(message.Key)).ToList();

        Assert.True(messages.Count > 10, $"Only {messages.Count} messages found; have the services moved?");
        AssertAllGerman(messages);
    }

    [Fact]
    public void GermanTexts_AreAllUsed()
    {
        var sources = string.Join('\n', SourceFiles("*.cs").Concat(SourceFiles("*.cshtml")).Select(File.ReadAllText));
        var roleLabels = Roles.All.Select(role => Roles.Label(Roles.Name(role))).ToHashSet(StringComparer.Ordinal);

        // A message built by interpolation ($"A password needs at least {MinLength} characters.") is translated
        // in its finished form, so it counts as used when it fits the interpolated text with its holes filled.
        var interpolated = Interpolated().Matches(sources).Select(m => m.Groups["text"].Value)
            .Where(text => Words().Count(Holes().Replace(text, " ")) >= 3)
            .Select(text => new Regex($"^{string.Join(".+", Holes().Split(text).Select(part => Regex.Escape(Unescape(part))))}$", RegexOptions.None, TimeSpan.FromSeconds(1)))
            .ToList();

        var unused = German
            .Where(key => !roleLabels.Contains(key)
                && !sources.Contains($"\"{Escape(key)}\"", StringComparison.Ordinal)
                && !interpolated.Any(pattern => pattern.IsMatch(key)))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(unused.Count == 0, $"Web/Locales/de.json has {unused.Count} entries nothing in src/Parley uses; remove them:\n{string.Join('\n', unused)}");
    }

    [Fact]
    public void GermanTexts_KeepThePlaceholdersOfTheirKeys()
    {
        var texts = new Texts();
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de");
        try
        {
            var broken = texts.GermanKeys
                .Where(key => !Placeholders(key).SequenceEqual(Placeholders(texts[key])) || !Formats(texts, key))
                .ToList();
            Assert.True(broken.Count == 0, $"These German texts lose or change a {{0}} placeholder of their key:\n{string.Join('\n', broken)}");
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static void AssertAllGerman(IEnumerable<(string File, string Key)> keys)
    {
        var missing = keys.Where(k => !German.Contains(k.Key))
            .Select(k => $"{Path.GetRelativePath(Source, k.File)}: {k.Key}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} texts have no German entry in src/Parley/Web/Locales/de.json:\n{string.Join('\n', missing)}");
    }

    /// <summary>The literal each match of <paramref name="pattern"/> captures as <c>text</c>, with the file it is in.</summary>
    private static IEnumerable<(string File, string Key)> Literals(IEnumerable<string> files, Regex pattern) =>
        files.SelectMany(file => pattern.Matches(File.ReadAllText(file)).Select(m => (File: file, Key: Unescape(m.Groups["text"].Value))));

    private static bool Formats(Texts texts, string key)
    {
        if (!key.Contains('{', StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            _ = texts.Format(key, "x", "y", "z", "w");
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static List<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];

    private static IEnumerable<string> SourceFiles(string pattern) =>
        Directory.EnumerateFiles(Source, pattern, SearchOption.AllDirectories)
            .Where(file => Path.GetRelativePath(Source, file).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"));

    private static string Unescape(string literal) => literal.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Parley.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Parley.slnx above {AppContext.BaseDirectory}.");
    }

    /// <summary><c>T["…"]</c> and <c>T.Format("…", …)</c> in a Razor file.</summary>
    [GeneratedRegex(@"\bT(?:\[|\.Format\()\s*""(?<text>(?:[^""\\]|\\.)*)""")]
    private static partial Regex PageKeys();

    /// <summary><c>texts["…"]</c> and <c>texts.Format("…", …)</c> in C#, where page models take <see cref="Texts"/> as <c>texts</c>.</summary>
    [GeneratedRegex(@"\btexts(?:\[|\.Format\()\s*""(?<text>(?:[^""\\]|\\.)*)""")]
    private static partial Regex CodeKeys();

    /// <summary>A plain (not interpolated) literal that reads as a sentence: a letter, a space, a full stop.</summary>
    [GeneratedRegex(@"(?<![$@\w""])""(?<text>[A-Za-z](?:[^""\\]|\\.)* (?:[^""\\]|\\.)*\.)""(?!"")")]
    private static partial Regex Sentences();

    [GeneratedRegex(@"\$""(?<text>(?:[^""\\{]|\\.|\{\{|\{[^}]*\})*)""")]
    private static partial Regex Interpolated();

    [GeneratedRegex(@"(?<!\{)\{(?!\{)[^}]*\}")]
    private static partial Regex Holes();

    [GeneratedRegex(@"\p{L}{2,}")]
    private static partial Regex Words();

    [GeneratedRegex(@"\{\d+(?::[^}]*)?\}")]
    private static partial Regex Placeholder();
}
