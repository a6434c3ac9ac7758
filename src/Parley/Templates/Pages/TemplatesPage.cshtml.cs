using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Templates.Pages;

/// <summary>The workspace's WhatsApp templates with their review status, quality and text; admins sync them.</summary>
[Authorize(Policy = nameof(Permission.ViewWorkspace))]
public sealed class TemplatesPageModel(TemplateStore store, WorkspaceContext workspace) : PageModel
{
    public IReadOnlyList<TemplateView> Templates { get; private set; } = [];
    public string? Error { get; private set; }
    public TemplateSync? Synced { get; private set; }
    public bool MaySync => workspace.Can(Permission.ManageChannels);

    public async Task OnGetAsync(CancellationToken cancellationToken) => Templates = await store.ListAsync(null, null, cancellationToken);

    public async Task<IActionResult> OnPostSyncAsync(CancellationToken cancellationToken)
    {
        if (!MaySync)
        {
            return Forbid();
        }

        var synced = await store.SyncAsync(cancellationToken);
        Synced = synced.Value;
        if (synced.Error is not null)
        {
            Error = "WhatsApp could not be asked for the templates; check the numbers' access tokens and try again in a minute.";
            Response.StatusCode = StatusCodes.Status502BadGateway;
        }

        Templates = await store.ListAsync(null, null, cancellationToken);
        return Page();
    }

    /// <summary>The body text of a template (Meta's BODY component).</summary>
    public static string Body(TemplateView template) =>
        template.Components.ValueKind == System.Text.Json.JsonValueKind.Array
            ? template.Components.EnumerateArray().Where(c => c.TryGetProperty("type", out var type) && string.Equals(type.GetString(), "BODY", StringComparison.OrdinalIgnoreCase))
                .Select(c => c.TryGetProperty("text", out var text) ? text.GetString() : null).FirstOrDefault() ?? ""
            : "";
}
