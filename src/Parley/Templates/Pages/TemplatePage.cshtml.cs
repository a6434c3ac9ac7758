using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Web;

namespace Parley.Templates.Pages;

/// <summary>One template: its text, a preview filled in for a chosen customer, and (for admins) edit and delete through the Cloud API.</summary>
[Authorize(Policy = nameof(Permission.ViewWorkspace))]
public sealed class TemplatePageModel(TemplateStore store, TemplateRenderer renderer, ParleyDb db, WorkspaceContext workspace, Texts texts) : PageModel
{
    public TemplateView Template { get; private set; } = null!;

    /// <summary>The template as written, variables unfilled.</summary>
    public RenderedTemplate AsWritten { get; private set; } = null!;
    public RenderedTemplate? Rendered { get; private set; }

    /// <summary>The edit form's content; null when the template has parts the form can't show.</summary>
    public TemplateDraft? Draft { get; private set; }
    public string? CustomerId { get; private set; }
    public string Variables { get; private set; } = "";
    public string? Error { get; private set; }
    public string? Notice { get; private set; }
    public bool MayManage => workspace.Can(Permission.ManageChannels);
    public bool MayPreview => workspace.Can(Permission.ViewContacts);

    public string StatusText => Template.Status switch
    {
        "APPROVED" => texts["Approved"],
        "PENDING" => texts["In review"],
        "REJECTED" => texts["Rejected"],
        "PAUSED" => texts["Paused"],
        "DISABLED" => texts["Disabled"],
        _ => Template.Status,
    };

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostPreviewAsync(Guid id, string? customerId, string? variables, CancellationToken cancellationToken)
    {
        if (!MayPreview)
        {
            return Forbid();
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        (CustomerId, Variables) = (customerId?.Trim().ToUpperInvariant(), variables ?? "");
        var contactId = await db.Contacts.AsNoTracking().Where(c => c.CustomerId == CustomerId && c.ErasedAt == null).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        var mapping = new JsonObject();
        foreach (var line in TemplateDraft.Lines(variables))
        {
            var at = line.IndexOf('=', StringComparison.Ordinal);
            if (at > 0)
            {
                mapping[line[..at].Trim()] = line[(at + 1)..].Trim();
            }
        }

        var rendered = contactId is null ? default : await renderer.PreviewAsync(id, new PreviewRequest(contactId, mapping), cancellationToken);
        if (contactId is null || rendered.Error is not null)
        {
            Error = texts["No contact has this customer ID; customer IDs look like C-7Q2M9K."];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Rendered = rendered.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostEditAsync(
        Guid id, string? category, string? header, string? body, string? footer, string? buttons, string? examples, CancellationToken cancellationToken)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Draft = new TemplateDraft(header, body ?? "", footer, TemplateDraft.Lines(buttons), TemplateDraft.Lines(examples));
        var components = Draft.Components();
        var request = new JsonObject { ["components"] = components.Value };
        if (!string.IsNullOrEmpty(category) && category != Template.Category)
        {
            request["category"] = category;
        }

        var edited = components.Error is { } invalid ? invalid : await store.EditAsync(id, request, cancellationToken);
        if (edited.Error is { } error)
        {
            Error = error.Message;
            Response.StatusCode = error.Kind == ErrorKind.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;
            return Page();
        }

        await LoadAsync(id, cancellationToken);
        Notice = texts["Submitted: Meta reviews the change, and the status here follows by itself."];
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        var error = await store.DeleteAsync(id, cancellationToken);
        if (error == OperationError.NotFound)
        {
            return NotFound();
        }

        if (error is not null)
        {
            await LoadAsync(id, cancellationToken);
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }

        return Redirect($"/w/{workspace.Slug}/templates");
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, cancellationToken) is not { } template)
        {
            return false;
        }

        Template = template;
        var row = await db.WhatsAppTemplates.AsNoTracking().FirstAsync(t => t.Id == id, cancellationToken);
        AsWritten = TemplateRenderer.Render(row, null, new Dictionary<string, string?>());
        Draft = TemplateDraft.From(template.Components);
        if (Variables.Length == 0)
        {
            Variables = string.Join("\n", Inbox.TemplateChoices.Choice(row).Variables.Select(v => $"{v} = "));
        }

        return true;
    }
}
