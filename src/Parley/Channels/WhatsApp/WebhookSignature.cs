using System.Security.Cryptography;
using System.Text;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c> is an HMAC-SHA256 of the raw request bytes keyed with the
/// app secret. The bytes are never re-serialised before checking (Meta escapes non-ASCII and slashes),
/// and the comparison takes the same time whatever matches.
/// </summary>
public static class WebhookSignature
{
    private const string Prefix = "sha256=";

    public static bool IsValid(ReadOnlySpan<byte> body, string? header, string appSecret)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + 64)
        {
            return false;
        }

        Span<byte> claimed = stackalloc byte[32];
        if (Convert.FromHexString(header.AsSpan(Prefix.Length), claimed, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, claimed);
    }

    public static string Sign(ReadOnlySpan<byte> body, string appSecret) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));
}
