using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Web;

namespace Parley.Identity.Pages;

[Authorize(Policy = nameof(Permission.ManageApiKeys))]
public sealed class ApiKeysPageModel(ApiKeys apiKeys) : PageModel
{
    public IReadOnlyList<ApiKeyView> Keys { get; private set; } = [];
    public CreatedApiKey? Created { get; private set; }
    public string? Error { get; private set; }
    public string? Name { get; private set; }
    public string? Role { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Keys = await apiKeys.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? role, CancellationToken cancellationToken)
    {
        var created = await apiKeys.CreateAsync(name, role, cancellationToken);
        if (created.Error is { } error)
        {
            (Error, Name, Role) = (error.Message, name, role);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Created = created.Value;
        }

        Keys = await apiKeys.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken cancellationToken)
    {
        var revoked = await apiKeys.RevokeAsync(id, cancellationToken);
        if (!revoked.Succeeded)
        {
            return NotFound();
        }

        return Request.IsHtmx() ? Partial("_ApiKeyRow", revoked.Value) : RedirectToPage();
    }
}
