using Microsoft.AspNetCore.DataProtection;

namespace Parley.Hosting;

/// <summary>
/// Encrypts secrets that Parley must use again (WhatsApp access tokens, webhook signing secrets) before
/// they are stored, with ASP.NET Core Data Protection. Passwords and API keys are hashed instead.
/// </summary>
public sealed class Secrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("Parley.Secrets.v1");

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string stored) => protector.Unprotect(stored);
}
