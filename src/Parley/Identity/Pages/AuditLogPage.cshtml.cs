using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Web;

namespace Parley.Identity.Pages;

[Authorize(Policy = nameof(Permission.ViewAuditLog))]
public sealed class AuditLogPageModel(AuditTrail trail, ParleyDb db, Texts texts) : PageModel
{
    private Dictionary<Guid, string> names = [];

    public AuditPage Entries { get; private set; } = new([], null);

    public async Task<IActionResult> OnGetAsync(string? before, CancellationToken cancellationToken)
    {
        AuditCursor? cursor = null;
        if (before is not null && !AuditCursor.TryParse(before, out cursor))
        {
            return BadRequest();
        }

        Entries = await trail.PageAsync(cursor, 100, cancellationToken);
        var ids = Entries.Items.Where(e => e.ActorKind == "user" && e.ActorId is not null).Select(e => e.ActorId!.Value).Distinct().ToList();
        names = await db.Users.Where(u => ids.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, cancellationToken);
        var keyIds = Entries.Items.Where(e => e.ActorKind == "apikey" && e.ActorId is not null).Select(e => e.ActorId!.Value).Distinct().ToList();
        foreach (var key in await db.ApiKeys.Where(k => keyIds.Contains(k.Id)).Select(k => new { k.Id, k.Name }).ToListAsync(cancellationToken))
        {
            names[key.Id] = texts.Format("API key {0}", key.Name);
        }

        return Page();
    }

    public string ActorName(AuditEntryView entry) => entry.ActorKind switch
    {
        "cli" => texts["Command line"],
        "system" => texts["Parley"],
        "anonymous" => texts["Unknown"],
        _ when entry.ActorId is { } id && names.TryGetValue(id, out var name) => name,
        _ => texts["Former member"],
    };
}
