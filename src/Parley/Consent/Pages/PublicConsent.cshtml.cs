using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Parley.Consent.Pages;

/// <summary>
/// The hosted consent page of a workspace (public, no sign-in): name, mobile number and the purposes
/// with their exact wordings; the submission is confirmed by sending the shown code on WhatsApp.
/// Anti-forgery is checked on the POST like on every page; submissions are rate-limited per address.
/// </summary>
[EnableRateLimiting(ConsentExtensions.PagePolicy)]
public sealed class PublicConsentModel(ConsentRequests requests) : PageModel
{
    public ConsentPageInfo Info { get; private set; } = new("", null, []);
    public PendingConsent? Pending { get; private set; }
    public string? Error { get; private set; }
    public string? ErrorField { get; private set; }
    public string? Name { get; private set; }
    public string? Phone { get; private set; }
    public IReadOnlyList<string> Chosen { get; private set; } = [];

    public static string Language => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "de" ? "de" : "en";

    public async Task<IActionResult> OnGetAsync(string slug, CancellationToken cancellationToken)
    {
        if (await requests.PageAsync(slug, Language, cancellationToken) is not { } info)
        {
            return NotFound();
        }

        Info = info;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string slug, string? name, string? phone, string[]? purposes, CancellationToken cancellationToken)
    {
        if (await requests.PageAsync(slug, Language, cancellationToken) is not { } info)
        {
            return NotFound();
        }

        Info = info;
        (Name, Phone, Chosen) = (name, phone, purposes ?? []);
        var submitted = await requests.SubmitAsync(info, name, phone, Chosen, Language,
            HttpContext.Connection.RemoteIpAddress?.ToString(), Request.Headers.UserAgent.ToString(), cancellationToken);
        if (submitted.Error is { } error)
        {
            (Error, ErrorField) = (error.Message, error.Field);
            Response.StatusCode = error.Kind == Identity.ErrorKind.Refused ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest;
            return Page();
        }

        Pending = submitted.Value;
        return Page();
    }
}
