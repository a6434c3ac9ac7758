using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;

namespace Parley.Templates;

public sealed record TemplateView(
    Guid Id, string WabaId, string? TemplateId, string Name, string Language, string? Category, string Status, string? RejectionReason,
    string? Quality, JsonElement Components, DateTime UpdatedAt);

public sealed record TemplateSync(int Added, int Updated, int Removed);

/// <summary>
/// The workspace's templates: synced from each connected number's WABA (all pages), applied from the
/// template webhooks, read by the API, the composer and (later) campaigns.
/// </summary>
public sealed class TemplateStore(ParleyDb db, GraphClient graph, WorkspaceContext workspace, TimeProvider clock)
{
    public async Task<IReadOnlyList<TemplateView>> ListAsync(string? status, string? name, CancellationToken cancellationToken)
    {
        var query = db.WhatsAppTemplates.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(status))
        {
            var wanted = status.Trim().ToUpperInvariant();
            query = query.Where(t => t.Status == wanted);
        }

        if (!string.IsNullOrWhiteSpace(name))
        {
            var wanted = name.Trim();
            query = query.Where(t => t.Name == wanted);
        }

        return [.. (await query.OrderBy(t => t.Name).ThenBy(t => t.Language).ToListAsync(cancellationToken)).Select(View)];
    }

    public async Task<TemplateView?> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken) is { } template ? View(template) : null;

    /// <summary>Reads every template of the WABAs of the workspace's numbers (or of one WABA) and makes the store match.</summary>
    public async Task<Outcome<TemplateSync>> SyncAsync(CancellationToken cancellationToken, string? onlyWaba = null)
    {
        var numbers = await db.WhatsAppNumbers.AsNoTracking().Where(n => n.RemovedAt == null && (onlyWaba == null || n.WabaId == onlyWaba)).ToListAsync(cancellationToken);
        var (added, updated, removed) = (0, 0, 0);
        foreach (var number in numbers.DistinctBy(n => n.WabaId))
        {
            var remote = new List<JsonObject>();
            string? after = null;
            do
            {
                var page = await graph.TemplatesAsync(number, after, cancellationToken);
                if (page is not GraphAnswered answered)
                {
                    return new OperationError(ErrorKind.Refused, page is GraphRefused refused
                        ? $"WhatsApp refused the template list for WABA {number.WabaId}: {refused.Title}"
                        : $"WhatsApp could not be asked for the templates of WABA {number.WabaId}; try again in a minute.");
                }

                remote.AddRange(answered.Body["data"]!.AsArray().OfType<JsonObject>());
                after = answered.Body["paging"]?["next"] is not null ? answered.Body["paging"]?["cursors"]?["after"]?.GetValue<string>() : null;
            }
            while (after is not null);

            var local = await db.WhatsAppTemplates.Where(t => t.WabaId == number.WabaId).ToListAsync(cancellationToken);
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var template in remote)
            {
                var name = Text(template, "name") ?? "";
                var language = Text(template, "language") ?? "";
                var row = local.FirstOrDefault(t => t.Name == name && t.Language == language);
                if (row is null)
                {
                    row = new WhatsAppTemplate { WorkspaceId = workspace.RequiredWorkspaceId, WabaId = number.WabaId, Name = name, Language = language, Status = "", UpdatedAt = now };
                    db.WhatsAppTemplates.Add(row);
                    local.Add(row);
                    added++;
                }
                else
                {
                    updated++;
                }

                row.TemplateId = Text(template, "id");
                row.Category = Text(template, "category");
                row.Status = Text(template, "status") ?? "UNKNOWN";
                row.RejectionReason = Text(template, "rejected_reason") is { } reason && reason != "NONE" ? reason : null;
                row.Quality = template["quality_score"]?["score"]?.GetValue<string>() ?? row.Quality;
                row.Components = template["components"]?.ToJsonString() ?? "[]";
                row.UpdatedAt = now;
            }

            var gone = local.Where(t => !remote.Any(r => Text(r, "name") == t.Name && Text(r, "language") == t.Language)).ToList();
            db.WhatsAppTemplates.RemoveRange(gone);
            removed += gone.Count;
        }

        await db.SaveChangesAsync(cancellationToken);
        return new TemplateSync(added, updated, removed);
    }

    /// <summary>
    /// A template webhook of one of the workspace's WABAs (<c>message_template_status_update</c>,
    /// <c>message_template_quality_update</c>, <c>template_category_update</c>): the row is found by Meta's
    /// id, else by name and language, else made (its components come with the next sync). Not saved here.
    /// </summary>
    public async Task ApplyAsync(Guid workspaceId, string wabaId, string field, JsonElement value, CancellationToken cancellationToken)
    {
        var templateId = value.TryGetProperty("message_template_id", out var id) ? id.ToString() : null;
        var name = value.TryGetProperty("message_template_name", out var n) ? n.GetString() : null;
        var language = value.TryGetProperty("message_template_language", out var l) ? l.GetString() : null;
        var all = db.WhatsAppTemplates.IgnoreQueryFilters().Where(t => t.WorkspaceId == workspaceId && t.WabaId == wabaId);
        var row = (templateId is null ? null : await all.FirstOrDefaultAsync(t => t.TemplateId == templateId, cancellationToken))
            ?? (name is null || language is null ? null : await all.FirstOrDefaultAsync(t => t.Name == name && t.Language == language, cancellationToken));
        var now = clock.GetUtcNow().UtcDateTime;
        if (row is null)
        {
            if (field != "message_template_status_update" || name is null || language is null)
            {
                return; // Nothing to attach a quality or category change to; the next sync brings the template.
            }

            row = new WhatsAppTemplate { WorkspaceId = workspaceId, WabaId = wabaId, TemplateId = templateId, Name = name, Language = language, Status = "", UpdatedAt = now };
            db.WhatsAppTemplates.Add(row);
        }

        switch (field)
        {
            case "message_template_status_update":
                row.Status = Text(value, "event") ?? row.Status;
                row.RejectionReason = row.Status == "REJECTED"
                    ? (value.TryGetProperty("rejection_info", out var info) && info.TryGetProperty("reason", out var words) ? words.GetString() : null) ?? Text(value, "reason")
                    : null;
                row.Category = Text(value, "message_template_category") ?? row.Category;
                break;
            case "message_template_quality_update":
                row.Quality = Text(value, "new_quality_score") ?? row.Quality;
                break;
            case "template_category_update":
                row.Category = Text(value, "new_category") ?? row.Category;
                break;
        }

        row.UpdatedAt = now;
    }

    /// <summary>
    /// Submits a new template (Meta's shape: name, language, category, components with examples) to the
    /// WABA of the workspace's number named by <c>phoneNumberId</c> (default: its first); Meta checks
    /// it and answers PENDING (then a status webhook) or refuses with its reason.
    /// </summary>
    public async Task<Outcome<TemplateView>> CreateAsync(JsonObject? request, CancellationToken cancellationToken)
    {
        var name = request?["name"] is JsonValue n && n.TryGetValue<string>(out var nameText) ? nameText.Trim() : null;
        var language = request?["language"] is JsonValue l && l.TryGetValue<string>(out var languageText) ? languageText.Trim() : null;
        var category = request?["category"] is JsonValue c && c.TryGetValue<string>(out var categoryText) ? categoryText.Trim().ToUpperInvariant() : null;
        if (string.IsNullOrEmpty(name) || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9_]{1,512}$"))
        {
            return OperationError.Invalid("name", "The name is lower-case letters, digits and underscores, e.g. car_ready.");
        }

        if (string.IsNullOrEmpty(language))
        {
            return OperationError.Invalid("language", "The language is a WhatsApp language code such as de or en_US.");
        }

        if (category is not ("MARKETING" or "UTILITY" or "AUTHENTICATION"))
        {
            return OperationError.Invalid("category", "The category is MARKETING, UTILITY or AUTHENTICATION.");
        }

        if (request!["components"] is not JsonArray { Count: > 0 } components)
        {
            return OperationError.Invalid("components", "components is Meta's array of HEADER, BODY, FOOTER and BUTTONS; a BODY is required.");
        }

        var phoneNumberId = request["phoneNumberId"] is JsonValue p && p.TryGetValue<string>(out var phoneText) ? phoneText : null;
        var number = await db.WhatsAppNumbers.AsNoTracking().Where(x => x.RemovedAt == null && (phoneNumberId == null || x.PhoneNumberId == phoneNumberId))
            .OrderBy(x => x.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (number is null)
        {
            return phoneNumberId is null
                ? new OperationError(ErrorKind.Refused, "The workspace has no WhatsApp number; connect one first.")
                : OperationError.Invalid("phoneNumberId", "phoneNumberId is not one of this workspace's WhatsApp numbers.");
        }

        var format = request["parameter_format"] is JsonValue pf && pf.TryGetValue<string>(out var formatText) ? formatText.Trim().ToUpperInvariant() : "POSITIONAL";
        if (format is not ("POSITIONAL" or "NAMED"))
        {
            return OperationError.Invalid("parameter_format", "parameter_format is POSITIONAL ({{1}}, {{2}}) or NAMED ({{first_name}}).");
        }

        var submitted = new JsonObject { ["name"] = name, ["language"] = language, ["category"] = category, ["parameter_format"] = format, ["components"] = components.DeepClone() };
        var result = await graph.CreateTemplateAsync(number, submitted, cancellationToken);
        if (result is not GraphAnswered answered)
        {
            return Refusal(result);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.WhatsAppTemplates.FirstOrDefaultAsync(t => t.WabaId == number.WabaId && t.Name == name && t.Language == language, cancellationToken);
        if (row is null)
        {
            row = new WhatsAppTemplate { WorkspaceId = workspace.RequiredWorkspaceId, WabaId = number.WabaId, Name = name, Language = language, Status = "", UpdatedAt = now };
            db.WhatsAppTemplates.Add(row);
        }

        row.TemplateId = Text(answered.Body, "id");
        row.Status = Text(answered.Body, "status") ?? "PENDING";
        row.Category = Text(answered.Body, "category") ?? category;
        row.Components = components.ToJsonString();
        row.RejectionReason = null;
        row.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    /// <summary>
    /// Edits a template's components and/or category through the Cloud API (<c>POST /{template-id}</c>, Meta's
    /// shape). Meta reviews the edit again: the template is PENDING until the status webhook arrives, and an
    /// approved one may be edited once a day and ten times in 30 days (Meta says so when it refuses).
    /// </summary>
    public async Task<Outcome<TemplateView>> EditAsync(Guid id, JsonObject? request, CancellationToken cancellationToken)
    {
        var row = await db.WhatsAppTemplates.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (row is null)
        {
            return OperationError.NotFound;
        }

        var category = request?["category"] is JsonValue c && c.TryGetValue<string>(out var categoryText) ? categoryText.Trim().ToUpperInvariant() : null;
        var components = request?["components"] as JsonArray;
        if (category is null && components is null)
        {
            return OperationError.Invalid("components", "Give components (Meta's array of HEADER, BODY, FOOTER and BUTTONS) or a category to edit.");
        }

        if (category is not (null or "MARKETING" or "UTILITY" or "AUTHENTICATION"))
        {
            return OperationError.Invalid("category", "The category is MARKETING, UTILITY or AUTHENTICATION.");
        }

        if (components is { Count: 0 })
        {
            return OperationError.Invalid("components", "components is Meta's array of HEADER, BODY, FOOTER and BUTTONS; a BODY is required.");
        }

        var number = await db.WhatsAppNumbers.AsNoTracking().Where(n => n.RemovedAt == null && n.WabaId == row.WabaId).FirstOrDefaultAsync(cancellationToken);
        if (number is null || row.TemplateId is null)
        {
            return new OperationError(ErrorKind.Refused, "No connected number belongs to this template's WhatsApp account any more; it can't be edited from Parley.");
        }

        var edit = new JsonObject();
        if (category is not null)
        {
            edit["category"] = category;
        }

        if (components is not null)
        {
            edit["components"] = components.DeepClone();
        }

        var result = await graph.EditTemplateAsync(number, row.TemplateId, edit, cancellationToken);
        if (result is not GraphAnswered)
        {
            return Refusal(result);
        }

        row.Status = "PENDING";
        row.Category = category ?? row.Category;
        row.Components = components?.ToJsonString() ?? row.Components;
        row.RejectionReason = null;
        row.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    public async Task<OperationError?> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.WhatsAppTemplates.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (row is null)
        {
            return OperationError.NotFound;
        }

        var number = await db.WhatsAppNumbers.AsNoTracking().Where(n => n.RemovedAt == null && n.WabaId == row.WabaId).FirstOrDefaultAsync(cancellationToken);
        if (number is not null && await graph.DeleteTemplateAsync(number, row.Name, row.TemplateId, cancellationToken) is not GraphAnswered)
        {
            return new OperationError(ErrorKind.Refused, "WhatsApp did not delete the template; try again, or check it in Meta's WhatsApp Manager.");
        }

        db.WhatsAppTemplates.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private static OperationError Refusal(GraphResult result) => new(ErrorKind.Refused, result is GraphRefused refused
        ? $"WhatsApp refused the template ({refused.Code}): {refused.Title}. {refused.Details}".Trim()
        : "WhatsApp could not be reached; nothing was submitted. Try again in a minute.");

    public static readonly string[] Fields = ["message_template_status_update", "message_template_quality_update", "template_category_update"];

    private static TemplateView View(WhatsAppTemplate t)
    {
        using var components = JsonDocument.Parse(t.Components);
        return new(t.Id, t.WabaId, t.TemplateId, t.Name, t.Language, t.Category, t.Status, t.RejectionReason, t.Quality, components.RootElement.Clone(), t.UpdatedAt);
    }

    private static string? Text(JsonObject node, string name) => node[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : node[name]?.ToString();

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
