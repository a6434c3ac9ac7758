using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Consent.Pages;

public sealed record RecentConsent(Guid ContactId, string? ContactName, ConsentRecordView Record);

/// <summary>
/// A contact's consent: the current state per purpose, the full history, and a form to record what the
/// person said (e.g. on the phone). Without a contact id it lists the latest records of the workspace.
/// Contacts appear by name and id, never by phone number.
/// </summary>
[Authorize(Policy = nameof(Permission.ViewConsent))]
public sealed class ContactConsentPageModel(ConsentLedger ledger, ConsentCatalog catalog, ParleyDb db, WorkspaceContext workspace) : PageModel
{
    public Guid? ContactId { get; private set; }
    public string? ContactName { get; private set; }
    public ContactConsentView? Consent { get; private set; }
    public IReadOnlyList<RecentConsent> Recent { get; private set; } = [];
    public IReadOnlyList<string> PurposeKeys { get; private set; } = [];
    public bool CanRecord => workspace.Can(Permission.RecordConsent);
    public string? Error { get; private set; }
    public bool Recorded { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, string? purpose, string? action, string? source, string? channel, string? wording, string? evidence, CancellationToken cancellationToken)
    {
        if (!CanRecord)
        {
            return Forbid();
        }

        var recorded = await ledger.RecordAsync(id, new RecordConsentRequest(purpose, action, channel, source, wording, null, evidence, null), cancellationToken);
        if (recorded.Error is { Kind: ErrorKind.NotFound })
        {
            return NotFound();
        }

        if (recorded.Error is { } error)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Recorded = true;
        }

        await LoadAsync(id, cancellationToken);
        return Page();
    }

    private async Task<bool> LoadAsync(Guid? id, CancellationToken cancellationToken)
    {
        PurposeKeys = await catalog.KeysAsync(cancellationToken);
        if (id is null)
        {
            var records = await db.ConsentRecords.AsNoTracking().OrderByDescending(r => r.RecordedAt).ThenByDescending(r => r.Id).Take(50)
                .Join(db.Contacts, r => r.ContactId, c => c.Id, (r, c) => new { Record = r, c.ProfileName })
                .ToListAsync(cancellationToken);
            Recent = [.. records.Select(r => new RecentConsent(r.Record.ContactId, r.ProfileName, ConsentLedger.View(r.Record)))];
            return true;
        }

        Consent = await ledger.OverviewAsync(id.Value, cancellationToken);
        if (Consent is null)
        {
            return false;
        }

        ContactId = id;
        ContactName = await db.Contacts.Where(c => c.Id == id).Select(c => c.ProfileName).FirstOrDefaultAsync(cancellationToken);
        return true;
    }
}
