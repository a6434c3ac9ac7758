using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Identity.Pages;

[Authorize(Policy = nameof(Permission.ViewWorkspace))]
public sealed class OverviewModel(ParleyDb db, WorkspaceContext workspace) : PageModel
{
    public string Name { get; private set; } = "";
    public string Role { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public int MemberCount { get; private set; }
    public int ActiveKeyCount { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var current = await db.Workspaces.AsNoTracking().FirstAsync(cancellationToken);
        Name = current.Name;
        CreatedAt = current.CreatedAt;
        Role = Roles.Name(workspace.Role);
        MemberCount = await db.Memberships.CountAsync(cancellationToken);
        ActiveKeyCount = await db.ApiKeys.CountAsync(k => k.RevokedAt == null, cancellationToken);
        return Page();
    }
}
