using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;

namespace Parley.Identity;

public enum SignInResult
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>Password sign-in with lockout, and the session cookie that carries the user's security stamp.</summary>
public sealed class SignInService(ParleyDb db, AuditLog audit, TimeProvider clock, IOptions<ParleyOptions> options)
{
    public async Task<(SignInResult Result, User? User)> CheckPasswordAsync(string email, string password, CancellationToken cancellationToken)
    {
        var normalised = User.NormaliseEmail(email);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalised, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (user is null)
        {
            Passwords.Verify(new User { Email = "", DisplayName = "", PasswordHash = Passwords.DummyHash, SecurityStamp = "", CreatedAt = now }, password);
            audit.AddForAccount("user.sign_in_failed", null, "unknown account");
            await db.SaveChangesAsync(cancellationToken);
            return (SignInResult.Failed, null);
        }

        if (user.LockoutEndsAt > now)
        {
            audit.AddForAccount("user.sign_in_refused", user.Id, "locked out");
            await db.SaveChangesAsync(cancellationToken);
            return (SignInResult.LockedOut, null);
        }

        var verification = Passwords.Verify(user, password);
        if (verification == PasswordVerificationResult.Failed)
        {
            user.FailedSignInCount++;
            if (user.FailedSignInCount >= options.Value.MaxFailedSignIns)
            {
                user.FailedSignInCount = 0;
                user.LockoutEndsAt = now + options.Value.LockoutDuration;
                audit.AddForAccount("user.locked_out", user.Id, $"{options.Value.MaxFailedSignIns} failed sign-ins");
                await db.SaveChangesAsync(cancellationToken);
                return (SignInResult.LockedOut, null);
            }

            audit.AddForAccount("user.sign_in_failed", user.Id, "wrong password");
            await db.SaveChangesAsync(cancellationToken);
            return (SignInResult.Failed, null);
        }

        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = Passwords.Hash(user, password);
        }

        user.FailedSignInCount = 0;
        user.LockoutEndsAt = null;
        audit.AddForAccount("user.signed_in", user.Id);
        await db.SaveChangesAsync(cancellationToken);
        return (SignInResult.Succeeded, user);
    }

    public static ClaimsPrincipal Principal(User user)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.DisplayName),
            new(ParleyClaims.SecurityStamp, user.SecurityStamp),
        ];
        if (user.Culture is not null)
        {
            claims.Add(new Claim(ParleyClaims.Culture, user.Culture));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    public static Task IssueCookieAsync(HttpContext httpContext, User user) =>
        httpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, Principal(user));

    /// <summary>
    /// Changes the password and the security stamp, which signs the user out of every other browser;
    /// the caller re-issues this browser's cookie.
    /// </summary>
    public async Task<Outcome<User>> ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken cancellationToken)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return OperationError.NotFound;
        }

        if (Passwords.Verify(user, currentPassword) == PasswordVerificationResult.Failed)
        {
            return OperationError.Invalid("currentPassword", "The current password is not correct.");
        }

        if (Passwords.Problem(newPassword, user.Email) is { } problem)
        {
            return OperationError.Invalid("newPassword", problem);
        }

        user.PasswordHash = Passwords.Hash(user, newPassword);
        user.SecurityStamp = User.NewSecurityStamp();
        audit.AddForAccount("user.password_changed", user.Id);
        await db.SaveChangesAsync(cancellationToken);
        return user;
    }
    /// <summary>An administrator's reset (command line): a generated password, a new stamp, a lifted lockout.</summary>
    public async Task<Outcome<string>> ResetPasswordAsync(string email, CancellationToken cancellationToken)
    {
        var normalised = User.NormaliseEmail(email);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Email == normalised, cancellationToken);
        if (user is null)
        {
            return OperationError.Invalid("email", "There is no account with this e-mail address.");
        }

        var password = Passwords.Generate();
        user.PasswordHash = Passwords.Hash(user, password);
        user.SecurityStamp = User.NewSecurityStamp();
        user.FailedSignInCount = 0;
        user.LockoutEndsAt = null;
        audit.AddForAccount("user.password_reset", user.Id);
        await db.SaveChangesAsync(cancellationToken);
        return password;
    }
}

public static class ParleyClaims
{
    public const string SecurityStamp = "parley:stamp";
    public const string Culture = "parley:culture";
    public const string Role = "parley:role";
    public const string WorkspaceId = "parley:workspace";
    public const string WorkspaceSlug = "parley:slug";
    public const string ApiKeyId = "parley:apikey";

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;
}
