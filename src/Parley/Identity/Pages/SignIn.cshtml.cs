using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Parley.Identity.Pages;

public sealed class SignInModel(SignInService signIn) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnPostAsync(string? password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(password))
        {
            Message = "Enter your e-mail address and password.";
            return Page();
        }

        var (result, user) = await signIn.CheckPasswordAsync(Email, password, cancellationToken);
        switch (result)
        {
            case SignInResult.Succeeded:
                await SignInService.IssueCookieAsync(HttpContext, user!);
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
            case SignInResult.LockedOut:
                Message = "Too many failed attempts. This account is locked for a while; try again later or ask an admin.";
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return Page();
            default:
                Message = "The e-mail address or the password is wrong.";
                Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Page();
        }
    }
}
