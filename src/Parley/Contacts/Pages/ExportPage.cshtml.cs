using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Data;
using Parley.Identity;

namespace Parley.Contacts.Pages;

/// <summary>The contacts as CSV for the browser (the API's export needs a key); the same columns, the same pseudonymisation.</summary>
[Authorize(Policy = nameof(Permission.ManageContacts))]
public sealed class ExportPageModel(ContactBook book, ContactSets sets, ParleyDb db, AuditLog audit) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid? labelId, Guid? listId, Guid? segmentId, CancellationToken cancellationToken) =>
        await ContactExport.WriteAsync(HttpContext, book, sets, db, audit, labelId, listId, segmentId, cancellationToken) is null ? new EmptyResult() : BadRequest();
}
