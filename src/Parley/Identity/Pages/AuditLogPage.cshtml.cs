using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Web;

namespace Parley.Identity.Pages;

[Authorize(Policy = nameof(Permission.ViewAuditLog))]
public sealed class AuditLogPageModel(AuditTrail trail, AuditExport export, Texts texts) : PageModel
{
    private Dictionary<Guid, string> users = [];
    private Dictionary<Guid, string> keys = [];

    public AuditPage Entries { get; private set; } = new([], null);

    [BindProperty(SupportsGet = true, Name = "action")]
    public string? ActionFilter { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? To { get; set; }

    public string? Problem { get; private set; }

    /// <summary>The filter as a query string, for the next page and the export link.</summary>
    public string Query(string? before = null, string? handler = null) => QueryString.Create(new Dictionary<string, string?>
    {
        ["handler"] = handler,
        ["action"] = ActionFilter,
        ["actor"] = Actor,
        ["from"] = From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["before"] = before,
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToString();

    public async Task<IActionResult> OnGetAsync(string? before, CancellationToken cancellationToken)
    {
        AuditCursor? cursor = null;
        if (before is not null && !AuditCursor.TryParse(before, out cursor))
        {
            return BadRequest();
        }

        if (Filter() is not { } filter)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Entries = await trail.PageAsync(filter, cursor, 100, cancellationToken);
        (users, keys) = await trail.ActorNamesAsync(Entries.Items, cancellationToken);
        return Page();
    }

    /// <summary>The whole filtered log as CSV.</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        if (Filter() is not { } filter)
        {
            return BadRequest();
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = "attachment; filename=\"audit-log.csv\"";
        await export.WriteAsync(filter, Response.Body, cancellationToken);
        return new EmptyResult();
    }

    /// <summary>Dates are whole UTC days: "to" includes its day.</summary>
    private AuditFilter? Filter()
    {
        var (filter, _, problem) = AuditFilter.Parse(ActionFilter, string.IsNullOrEmpty(Actor) ? null : Actor, From, To?.AddDays(1));
        Problem = problem;
        return filter;
    }

    public string ActorName(AuditEntryView entry) => entry.ActorKind switch
    {
        "cli" => texts["Command line"],
        "system" => texts["Parley"],
        "anonymous" => texts["Unknown"],
        _ when entry.ActorId is { } id && users.TryGetValue(id, out var name) => name,
        _ when entry.ActorId is { } id && keys.TryGetValue(id, out var key) => texts.Format("API key {0}", key),
        _ => texts["Former member"],
    };
}
