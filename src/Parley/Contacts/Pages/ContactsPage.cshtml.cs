using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;
using Parley.Web;

namespace Parley.Contacts.Pages;

[Authorize(Policy = nameof(Permission.ViewContacts))]
public sealed class ContactsPageModel(ContactBook book, ContactSets sets) : PageModel
{
    public IReadOnlyList<ContactView> Contacts { get; private set; } = [];
    public IReadOnlyList<LabelView> Labels { get; private set; } = [];
    public IReadOnlyList<ListView> Lists { get; private set; } = [];
    public IReadOnlyList<SegmentView> Segments { get; private set; } = [];
    public string? Next { get; private set; }
    public string? Error { get; private set; }
    public bool MayRevealPhones => book.MayRevealPhones;

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? LabelId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? ListId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? SegmentId { get; set; }

    public async Task<IActionResult> OnGetAsync(string? cursor, CancellationToken cancellationToken)
    {
        AuditCursor? after = null;
        if (cursor is not null && !AuditCursor.TryParse(cursor, out after))
        {
            return BadRequest();
        }

        SegmentCondition? segment = null;
        if (SegmentId is { } segmentId)
        {
            var filter = await sets.SegmentFilterAsync(segmentId, cancellationToken);
            if (filter.Error is { Kind: ErrorKind.NotFound })
            {
                return NotFound();
            }

            (segment, Error) = (filter.Value, filter.Error is null ? null : "This segment's filter no longer fits the workspace's attributes, labels or lists.");
        }

        if (Error is null)
        {
            (var items, Next) = await book.PageAsync(book.Query(new ContactQuery(Q, LabelId, ListId, segment), pages: true), after, 50, cancellationToken);
            Contacts = items;
        }

        if (Request.IsHtmx())
        {
            return Partial("_ContactRows", this);
        }

        Labels = await sets.LabelsAsync(cancellationToken);
        Lists = await sets.ListsAsync(cancellationToken);
        Segments = await sets.SegmentsAsync(cancellationToken);
        return Page();
    }
}
