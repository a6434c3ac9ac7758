using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Web;

namespace Parley.Identity.Pages;

[Authorize]
public sealed class AccountModel(ParleyDb db, SignInService signIn) : PageModel
{
    public string? Culture { get; private set; }
    public string? Message { get; private set; }
    public string? Error { get; private set; }
    public string? Field { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Culture = (await CurrentUserAsync(cancellationToken)).Culture;

    public async Task<IActionResult> OnPostLanguageAsync(string? culture, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync(cancellationToken);
        user.Culture = Texts.Cultures.Contains(culture) ? culture : null;
        await db.SaveChangesAsync(cancellationToken);
        await SignInService.IssueCookieAsync(HttpContext, user);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostPasswordAsync(string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        var changed = await signIn.ChangePasswordAsync(User.UserId()!.Value, currentPassword ?? "", newPassword ?? "", cancellationToken);
        if (changed.Error is { } error)
        {
            (Error, Field) = (error.Message, error.Field);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            await SignInService.IssueCookieAsync(HttpContext, changed.Value!);
            Message = "Your password has been changed. Every other session has been signed out.";
        }

        Culture = (await CurrentUserAsync(cancellationToken)).Culture;
        return Page();
    }

    private Task<User> CurrentUserAsync(CancellationToken cancellationToken)
    {
        var id = User.UserId()!.Value;
        return db.Users.FirstAsync(u => u.Id == id, cancellationToken);
    }
}
