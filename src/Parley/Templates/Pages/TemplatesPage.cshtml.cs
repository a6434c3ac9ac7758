using System.Text.Json.Nodes;
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

    /// <summary>The new-template form, filled again after an error.</summary>
    public TemplateDraft Draft { get; private set; } = new(null, "", null, [], []);
    public string? Name { get; private set; }
    public string Language { get; private set; } = "de";
    public string Category { get; private set; } = "UTILITY";
    public string? FormError { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Templates = await store.ListAsync(null, null, cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(
        string? name, string? language, string? category, string? header, string? body, string? footer, string? buttons, string? examples, CancellationToken cancellationToken)
    {
        if (!MaySync)
        {
            return Forbid();
        }

        (Name, Language, Category) = (name, language ?? "", category ?? "");
        Draft = new TemplateDraft(header, body ?? "", footer, TemplateDraft.Lines(buttons), TemplateDraft.Lines(examples));
        var components = Draft.Components();
        var created = components.Error is { } invalid
            ? invalid
            : await store.CreateAsync(
                new JsonObject
                {
                    ["name"] = name,
                    ["language"] = language,
                    ["category"] = category,
                    ["parameter_format"] = Draft.Named ? "NAMED" : "POSITIONAL",
                    ["components"] = components.Value,
                },
                cancellationToken);
        if (created.Error is { } error)
        {
            FormError = error.Message;
            Response.StatusCode = error.Kind == ErrorKind.Invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;
            Templates = await store.ListAsync(null, null, cancellationToken);
            return Page();
        }

        return Redirect($"/w/{workspace.Slug}/templates/{created.Value!.Id}");
    }

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
