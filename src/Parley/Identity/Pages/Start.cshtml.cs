using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Parley.Identity.Pages;

[Authorize]
public sealed class StartModel(Workspaces workspaces) : PageModel
{
    public IReadOnlyList<WorkspaceView> Workspaces { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Workspaces = await workspaces.ForUserAsync(User.UserId()!.Value, cancellationToken);
        return Workspaces.Count == 1 ? Redirect($"/w/{Workspaces[0].Slug}/inbox") : Page();
    }
}
