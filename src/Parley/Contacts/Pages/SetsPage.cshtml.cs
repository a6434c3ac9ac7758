using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Contacts.Pages;

/// <summary>The workspace's attribute definitions, labels, lists and segments on one page each (the route names which).</summary>
[Authorize(Policy = nameof(Permission.ViewContacts))]
public sealed class SetsPageModel(ContactSets sets, ContactBook book, WorkspaceContext workspace) : PageModel
{
    public string Kind { get; private set; } = "";
    public IReadOnlyList<AttributeView> Attributes { get; private set; } = [];
    public IReadOnlyList<LabelView> Labels { get; private set; } = [];
    public IReadOnlyList<ListView> Lists { get; private set; } = [];
    public IReadOnlyList<SegmentView> Segments { get; private set; } = [];
    public Dictionary<Guid, int> Counts { get; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(string kind, CancellationToken cancellationToken) =>
        await LoadAsync(kind, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string kind, string? name, string? key, string? type, string? options, string? colour, string? filter, CancellationToken cancellationToken)
    {
        var needed = kind == "attributes" ? Permission.ManageAttributes : Permission.ManageContacts;
        if (!workspace.Can(needed))
        {
            return Forbid();
        }

        OperationError? error = kind switch
        {
            "attributes" => (await sets.CreateAttributeAsync(new AttributeRequest(key, name, type, options?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList()), cancellationToken)).Error,
            "lists" when colour is not null => (await sets.SaveLabelAsync(null, new LabelRequest(name, colour), cancellationToken)).Error,
            "lists" => (await sets.SaveListAsync(null, new ListRequest(name), cancellationToken)).Error,
            "segments" => await SaveSegmentAsync(name, filter, cancellationToken),
            _ => OperationError.NotFound,
        };
        if (error?.Kind == ErrorKind.NotFound)
        {
            return NotFound();
        }

        if (error is not null)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        await LoadAsync(kind, cancellationToken);
        return Page();
    }

    /// <summary>Counts one segment's contacts now (htmx).</summary>
    public async Task<IActionResult> OnPostCountAsync(string kind, Guid segmentId, CancellationToken cancellationToken)
    {
        var filter = await sets.SegmentFilterAsync(segmentId, cancellationToken);
        if (filter.Error is { Kind: ErrorKind.NotFound })
        {
            return NotFound();
        }

        var text = filter.Error is null
            ? (await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(book.Query(new ContactQuery(Segment: filter.Value)), cancellationToken)).ToString("N0", System.Globalization.CultureInfo.CurrentCulture)
            : "—";
        return Content(System.Net.WebUtility.HtmlEncode(text), "text/html");
    }

    private async Task<OperationError?> SaveSegmentAsync(string? name, string? filter, CancellationToken cancellationToken)
    {
        System.Text.Json.JsonElement parsed;
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(filter ?? "");
            parsed = document.RootElement.Clone();
        }
        catch (System.Text.Json.JsonException)
        {
            return OperationError.Invalid("filter", "The filter is not valid JSON.");
        }

        return (await sets.SaveSegmentAsync(null, new SegmentRequest(name, parsed), cancellationToken)).Error;
    }

    private async Task<bool> LoadAsync(string kind, CancellationToken cancellationToken)
    {
        Kind = kind;
        switch (kind)
        {
            case "attributes":
                Attributes = await sets.AttributesAsync(cancellationToken);
                return true;
            case "lists":
                Lists = await sets.ListsAsync(cancellationToken);
                Labels = await sets.LabelsAsync(cancellationToken);
                return true;
            case "segments":
                Segments = await sets.SegmentsAsync(cancellationToken);
                return true;
            default:
                return false;
        }
    }
}
