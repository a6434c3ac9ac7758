using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Privacy;

namespace Parley.Contacts.Pages;

public sealed record ConversationLine(Guid Id, string Number, Parley.Inbox.ConversationStatus Status, DateTime LastMessageAt);

[Authorize(Policy = nameof(Permission.ViewContacts))]
public sealed class ContactPageModel(
    ContactBook book, ContactSets sets, ContactMerge merge, DataSubjectExport export, ContactErasure erasure, ParleyDb db, WorkspaceContext workspace) : PageModel
{
    public ContactView Contact { get; private set; } = null!;
    public IReadOnlyList<AttributeView> Attributes { get; private set; } = [];
    public IReadOnlyList<LabelView> Labels { get; private set; } = [];
    public IReadOnlyList<ListView> Lists { get; private set; } = [];
    public IReadOnlyList<ConversationLine> Conversations { get; private set; } = [];
    public string? Error { get; private set; }
    public string? Saved { get; private set; }
    public bool MayRevealPhones => book.MayRevealPhones;
    public bool MayErase => workspace.Can(Permission.DeleteContacts);

    /// <summary>Everything about the person as a zip (data-subject access request); needs the phone-reveal permission.</summary>
    public async Task<IActionResult> OnGetExportAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!MayRevealPhones)
        {
            return Forbid();
        }

        return await export.RespondAsync(id, Response, cancellationToken) ? new EmptyResult() : NotFound();
    }

    /// <summary>Erases the person once the customer ID has been typed as confirmation.</summary>
    public async Task<IActionResult> OnPostEraseAsync(Guid id, string? confirm, CancellationToken cancellationToken)
    {
        if (!MayErase)
        {
            return Forbid();
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (CustomerIds.Normalise(confirm) != Contact.CustomerId)
        {
            Error = "Type the customer ID shown above to confirm the erasure.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        return await erasure.EraseAsync(id, cancellationToken) is null ? Redirect($"/w/{workspace.Slug}/contacts?erased={Contact.CustomerId}") : NotFound();
    }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    /// <summary>Shows the number in place (htmx) and writes the audit log; the page never carries it otherwise.</summary>
    public async Task<IActionResult> OnPostRevealAsync(Guid id, CancellationToken cancellationToken)
    {
        var revealed = await book.RevealAsync(id, cancellationToken);
        if (revealed.Error is { } error)
        {
            return error.Kind == ErrorKind.Forbidden ? Forbid() : NotFound();
        }

        return Content($"<span id=\"phone\" class=\"secret\">{System.Net.WebUtility.HtmlEncode(revealed.Value!.Phone ?? revealed.Value.WaId ?? "—")}</span>", "text/html");
    }

    public async Task<IActionResult> OnPostSaveAsync(Guid id, string? displayName, string? externalId, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ManageContacts))
        {
            return Forbid();
        }

        var attributes = new JsonObject();
        foreach (var attribute in await sets.AttributesAsync(cancellationToken))
        {
            if (Request.Form.TryGetValue("attr." + attribute.Key, out var given))
            {
                attributes[attribute.Key] = given.ToString() is { Length: > 0 } text ? AsJson(attribute, text) : null;
            }
        }

        var body = new JsonObject { ["displayName"] = displayName, ["externalId"] = externalId, ["attributes"] = attributes };
        var updated = await book.UpdateAsync(id, body, cancellationToken);
        return await AfterAsync(id, updated.Error, "Saved.", cancellationToken);
    }

    public async Task<IActionResult> OnPostLabelAsync(Guid id, Guid labelId, bool remove, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ManageContacts))
        {
            return Forbid();
        }

        var changed = await book.LabelAsync(id, remove ? [] : [labelId], remove ? [labelId] : [], cancellationToken);
        return await AfterAsync(id, changed.Error, null, cancellationToken);
    }

    public async Task<IActionResult> OnPostListAsync(Guid id, Guid listId, bool remove, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ManageContacts))
        {
            return Forbid();
        }

        if (!await db.Contacts.AnyAsync(c => c.Id == id, cancellationToken))
        {
            return NotFound();
        }

        var error = remove
            ? await sets.RemoveMemberAsync(listId, id, cancellationToken)
            : (await sets.AddMembersAsync(listId, [id], cancellationToken)).Error;
        return await AfterAsync(id, error?.Kind == ErrorKind.NotFound ? null : error, null, cancellationToken);
    }

    public async Task<IActionResult> OnPostMergeAsync(Guid id, string? duplicate, CancellationToken cancellationToken)
    {
        if (!workspace.Can(Permission.ManageContacts))
        {
            return Forbid();
        }

        var customerId = CustomerIds.Normalise(duplicate);
        var duplicateId = customerId is null ? (Guid?)null : await db.Contacts.Where(c => c.CustomerId == customerId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        var merged = await merge.MergeAsync(id, duplicateId, cancellationToken);
        return await AfterAsync(id, merged.Error is { Kind: ErrorKind.Invalid } ? new OperationError(ErrorKind.Invalid, "Give the customer ID of another contact to merge into this one.") : merged.Error, "Merged.", cancellationToken);
    }

    private async Task<IActionResult> AfterAsync(Guid id, OperationError? error, string? saved, CancellationToken cancellationToken)
    {
        if (error?.Kind == ErrorKind.NotFound && !await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (error is not null)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Saved = saved;
        }

        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private static JsonNode? AsJson(AttributeView attribute, string text) => attribute.Type switch
    {
        "number" when double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) => number,
        "boolean" => text is "true" or "false" ? text == "true" : text,
        _ => text,
    };

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await book.FindAsync(id, cancellationToken) is not { } contact)
        {
            return false;
        }

        Contact = contact;
        Attributes = await sets.AttributesAsync(cancellationToken);
        Labels = await sets.LabelsAsync(cancellationToken);
        Lists = await sets.ListsAsync(cancellationToken);
        var conversations = await db.Conversations.AsNoTracking().Where(c => c.ContactId == id).OrderByDescending(c => c.LastMessageAt)
            .Join(db.WhatsAppNumbers, c => c.WhatsAppNumberId, n => n.Id, (c, n) => new { c.Id, n.DisplayPhoneNumber, c.Status, c.LastMessageAt })
            .ToListAsync(cancellationToken);
        Conversations = [.. conversations.Select(c => new ConversationLine(c.Id, c.DisplayPhoneNumber, c.Status, c.LastMessageAt))];
        return true;
    }
}
