using System.Text.RegularExpressions;

namespace Parley.Identity;

/// <summary>Workspace slugs appear in URLs: lower-case letters, digits and inner hyphens.</summary>
public static partial class Slugs
{
    public const int MaxLength = 40;

    public static string? Problem(string? slug) => slug switch
    {
        null or "" => "A slug is required.",
        { Length: > MaxLength } => $"A slug has at most {MaxLength} characters.",
        _ when !Pattern().IsMatch(slug) => "A slug uses lower-case letters a–z, digits and hyphens, and starts and ends with a letter or digit.",
        _ => null,
    };

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex Pattern();
}
