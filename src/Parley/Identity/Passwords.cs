using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Parley.Identity;

public static class Passwords
{
    public const int MinLength = 10;

    private static readonly PasswordHasher<User> Hasher = new();

    /// <summary>A generated password: 20 characters from an alphabet without look-alikes (about 115 bits).</summary>
    public static string Generate()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var raw = RandomNumberGenerator.GetString(alphabet, 20);
        return string.Join('-', raw.Chunk(5).Select(c => new string(c)));
    }

    public static string Hash(User user, string password) => Hasher.HashPassword(user, password);

    public static PasswordVerificationResult Verify(User user, string password) =>
        Hasher.VerifyHashedPassword(user, user.PasswordHash, password);

    /// <summary>A hash that never matches, verified for unknown e-mail addresses so that timing does not reveal which accounts exist.</summary>
    public static readonly string DummyHash = Hasher.HashPassword(null!, Generate());

    public static string? Problem(string? password, string email) => password switch
    {
        null or "" => "A password is required.",
        { Length: < MinLength } => $"A password needs at least {MinLength} characters.",
        { Length: > 200 } => "A password has at most 200 characters.",
        _ when string.Equals(password, email, StringComparison.OrdinalIgnoreCase) => "The password must not be the e-mail address.",
        _ => null,
    };
}
