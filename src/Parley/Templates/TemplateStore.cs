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
