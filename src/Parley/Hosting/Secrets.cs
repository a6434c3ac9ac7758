using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;

namespace Parley.Hosting;

/// <summary>
/// Encrypts secrets that Parley must use again (WhatsApp access tokens, webhook signing secrets) before
/// they are stored, with ASP.NET Core Data Protection. Passwords and API keys are hashed instead.
/// A secret once decrypted is kept in memory by its stored form: a number's access token goes with
/// every send, and decrypting it each time cost a few percent of a busy dispatcher's processor time. A
/// changed secret is stored anew, so it is another entry.
/// </summary>
public sealed class Secrets(IDataProtectionProvider provider)
{
    private const int MaxKept = 1024;

    private readonly IDataProtector protector = provider.CreateProtector("Parley.Secrets.v1");
    private readonly ConcurrentDictionary<string, string> decrypted = new(StringComparer.Ordinal);

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string stored)
    {
        if (decrypted.TryGetValue(stored, out var secret))
        {
            return secret;
        }

        secret = protector.Unprotect(stored);
        if (decrypted.Count >= MaxKept)
        {
            decrypted.Clear(); // secrets no longer stored anywhere do not pile up
        }

        decrypted[stored] = secret;
        return secret;
    }
}
