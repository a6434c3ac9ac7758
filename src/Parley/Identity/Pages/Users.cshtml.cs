using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Web;

namespace Parley.Identity.Pages;

public sealed record MemberRow(MemberView Member, string? Error);

[Authorize(Policy = nameof(Permission.ManageUsers))]
public sealed class UsersModel(Members members) : PageModel
{
    public IReadOnlyList<MemberView> MemberList { get; private set; } = [];
    public AddedMember? Added { get; private set; }
    public string? Error { get; private set; }
    public string? Email { get; private set; }
    public string? DisplayName { get; private set; }
    public string? Role { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        MemberList = await members.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostAddAsync(string? email, string? displayName, string? role, CancellationToken cancellationToken)
    {
        var added = await members.AddAsync(email, displayName, role, cancellationToken);
        if (added.Error is { } error)
        {
            (Error, Email, DisplayName, Role) = (error.Message, email, displayName, role);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Added = added.Value;
        }

        MemberList = await members.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRoleAsync(Guid userId, string? role, CancellationToken cancellationToken)
    {
        var changed = await members.ChangeRoleAsync(userId, role, cancellationToken);
        if (changed.Error?.Kind == ErrorKind.NotFound)
        {
            return NotFound();
        }

        if (!Request.IsHtmx())
        {
            Error = changed.Error?.Message;
            MemberList = await members.ListAsync(cancellationToken);
            return Page();
        }

        var current = changed.Value ?? (await members.FindAsync(userId, cancellationToken))!;
        return Partial("_MemberRow", new MemberRow(current, changed.Error?.Message));
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid userId, CancellationToken cancellationToken)
    {
        var error = await members.RemoveAsync(userId, cancellationToken);
        if (error?.Kind == ErrorKind.NotFound)
        {
            return NotFound();
        }

        if (!Request.IsHtmx())
        {
            Error = error?.Message;
            MemberList = await members.ListAsync(cancellationToken);
            return Page();
        }

        return error is null
            ? Content("", "text/html")
            : Partial("_MemberRow", new MemberRow((await members.FindAsync(userId, cancellationToken))!, error.Message));
    }
}
