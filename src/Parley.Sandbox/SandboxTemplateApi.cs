using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Parley.Sandbox;

/// <summary>
/// Template management as the Graph API does it: <c>/{waba-id}/message_templates</c> (list, create,
/// delete) and <c>/{template-id}</c> (get, edit). New and edited templates are PENDING until review
/// decides, then a signed <c>message_template_status_update</c> webhook tells the business.
/// </summary>
public static class SandboxTemplateApi
{
    public const string NodeType = "WhatsAppBusinessHSM";

    private static readonly string[] DefaultFields = ["name", "parameter_format", "components", "language", "status", "category", "id"];
    private static readonly string[] KnownFields = [.. DefaultFields, "quality_score", "rejected_reason"];

    public static RouteGroupBuilder MapSandboxTemplates(this RouteGroupBuilder graph)
    {
        foreach (var version in new[] { "/{version:regex(^v\\d+\\.\\d+$)}", "" })
        {
            graph.MapGet(version + "/{wabaId:regex(^\\d+$)}/message_templates", List);
            graph.MapPost(version + "/{wabaId:regex(^\\d+$)}/message_templates", CreateAsync);
            graph.MapDelete(version + "/{wabaId:regex(^\\d+$)}/message_templates", Delete);

            // Media and numbers share GET /{id}; this route only takes template ids and goes first.
            graph.MapGet(version + "/{templateId:" + SandboxTemplateId.Name + "}", Get).WithOrder(-1);
            graph.MapPost(version + "/{templateId:regex(^\\d+$)}", EditAsync);
        }

        return graph;
    }

    private static IResult List(string wabaId, HttpRequest request, SandboxState state, SandboxTemplates templates)
    {
        if (SandboxGraphErrors.AuthorizeWaba(request, state, wabaId) is { } refused)
        {
            return refused;
        }

        if (Fields(request) is not { } fields)
        {
            return SandboxGraphErrors.NonexistingField(UnknownField(request)!, NodeType);
        }

        var query = request.Query;
        var statuses = query["status"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var matching = templates.All(wabaId).Where(t =>
            (query["name"].ToString() is not { Length: > 0 } name || t.Name.Contains(name, StringComparison.Ordinal))
            && (statuses.Length == 0 || statuses.Contains(t.Status, StringComparer.OrdinalIgnoreCase))
            && (query["category"].ToString() is not { Length: > 0 } category || string.Equals(t.Category, category, StringComparison.OrdinalIgnoreCase))
            && (query["language"].ToString() is not { Length: > 0 } language || t.Language == language)).ToList();

        return SandboxPaging.Page(request, matching, t => View(t, fields)) is { } page
            ? Results.Json(page)
            : SandboxGraphErrors.Param("Param limit must be a whole number between 1 and 1000, and after/before cursors as returned in paging.");
    }

    private static IResult Get(string templateId, HttpRequest request, SandboxState state, SandboxTemplates templates)
    {
        if (templates.Get(templateId) is not { } template)
        {
            return SandboxGraphErrors.UnknownObject(templateId, request.Method);
        }

        return SandboxGraphErrors.AuthorizeWaba(request, state, template.WabaId)
            ?? (Fields(request) is { } fields ? Results.Json(View(template, fields)) : SandboxGraphErrors.NonexistingField(UnknownField(request)!, NodeType));
    }

    private static async Task<IResult> CreateAsync(
        string wabaId, HttpRequest request, SandboxState state, SandboxTemplates templates, SandboxWebhooks webhooks, IOptions<SandboxOptions> options, CancellationToken ct)
    {
        if (SandboxGraphErrors.AuthorizeWaba(request, state, wabaId) is { } refused)
        {
            return refused;
        }

        if (await ReadAsync(request, ct) is not { } body)
        {
            return SandboxGraphErrors.Param("The request body must be a JSON object.");
        }

        if (SandboxTemplateRules.Create(body, out var draft) is { } invalid)
        {
            return invalid;
        }

        var template = new SandboxTemplate
        {
            Id = SandboxTemplates.NewId(),
            WabaId = wabaId,
            Name = draft!.Name,
            Language = draft.Language,
            Category = draft.Category,
            Status = "PENDING",
            Named = draft.Named,
            Components = draft.Components,
        };
        template = template with { Review = ScheduleReview(template, templates, options.Value.TemplateReviewDelay) };
        switch (templates.TryAdd(template))
        {
            case SandboxTemplateConflict.Exists:
                return SandboxGraphErrors.User(2388024, "Content in This Language Already Exists", $"There is already {template.Language} content for this template. You can create a new template and try again.");
            case SandboxTemplateConflict.BeingDeleted:
                return SandboxGraphErrors.User(2388023, "Message Template Language Is Being Deleted", $"New {template.Language} content can't be added while the existing {template.Language} content is being deleted. Try again in 4 weeks or create a new message template.");
        }

        Announce(template, state, webhooks, options.Value.TemplateReviewDelay);
        return Results.Json(new JsonObject { ["id"] = template.Id, ["status"] = template.Status, ["category"] = template.Category });
    }

    private static async Task<IResult> EditAsync(
        string templateId, HttpRequest request, SandboxState state, SandboxTemplates templates, SandboxWebhooks webhooks, IOptions<SandboxOptions> options, CancellationToken ct)
    {
        if (templates.Get(templateId) is not { } template)
        {
            return SandboxGraphErrors.UnknownObject(templateId, request.Method);
        }

        if (SandboxGraphErrors.AuthorizeWaba(request, state, template.WabaId) is { } refused)
        {
            return refused;
        }

        if (await ReadAsync(request, ct) is not { } body)
        {
            return SandboxGraphErrors.Param("The request body must be a JSON object.");
        }

        if (template.Status is not ("APPROVED" or "REJECTED" or "PAUSED"))
        {
            return SandboxGraphErrors.Param($"A template can only be edited when it is APPROVED, REJECTED or PAUSED; this one is {template.Status}.");
        }

        var category = SandboxGraphApi.Text(body, "category")?.ToUpperInvariant() ?? template.Category;
        if (!SandboxTemplateRules.Categories.Contains(category))
        {
            return SandboxGraphErrors.Param($"Param category must be one of {{{string.Join(", ", SandboxTemplateRules.Categories)}}}.");
        }

        if (category != template.Category && template.Status == "APPROVED")
        {
            return SandboxGraphErrors.Param("The category of an approved template can't be changed.");
        }

        if (!body.ContainsKey("components") && !body.ContainsKey("category"))
        {
            return SandboxGraphErrors.Param("Give components or category to edit.");
        }

        var components = template.Components;
        if (body.ContainsKey("components") && SandboxTemplateRules.Components(body["components"], category, template.Named, out components) is { } invalid)
        {
            return invalid;
        }

        var now = state.Clock.GetUtcNow();
        var edits = template.ApprovedEdits.Where(e => now - e < TimeSpan.FromDays(30)).ToList();
        if (template.Status == "APPROVED")
        {
            if (edits.Count >= 10 || edits.Any(e => now - e < TimeSpan.FromDays(1)))
            {
                return SandboxGraphErrors.Param("An approved template can be edited once in 24 hours and at most 10 times in 30 days.");
            }

            edits.Add(now);
        }

        var edited = template with { Category = category, Components = components!, Status = "PENDING", ApprovedEdits = edits };
        edited = edited with { Review = ScheduleReview(edited, templates, options.Value.TemplateReviewDelay) };
        templates.Replace(edited);
        Announce(edited, state, webhooks, options.Value.TemplateReviewDelay);
        return Results.Json(new JsonObject { ["success"] = true });
    }

    private static IResult Delete(string wabaId, HttpRequest request, SandboxState state, SandboxTemplates templates)
    {
        if (SandboxGraphErrors.AuthorizeWaba(request, state, wabaId) is { } refused)
        {
            return refused;
        }

        var name = request.Query["name"].ToString();
        var id = request.Query["hsm_id"].ToString();
        if (name.Length == 0)
        {
            return SandboxGraphErrors.Param("The parameter name is required.");
        }

        return templates.Delete(wabaId, name, id.Length == 0 ? null : id) > 0
            ? Results.Json(new JsonObject { ["success"] = true })
            : SandboxGraphErrors.User(2593002, "Message Template Not Found", $"The message template {name} wasn't found for this account.");
    }

    private static SandboxReview ScheduleReview(SandboxTemplate template, SandboxTemplates templates, TimeSpan delay)
    {
        var (outcome, reason, rejection, recommendation) = SandboxTemplateRules.Review(template.Components);
        return new SandboxReview(templates.ReviewDue(delay), outcome, reason, rejection, recommendation);
    }

    /// <summary>
    /// Queues the webhook that reports the review's outcome when it is due. Webhooks wait on the
    /// machine's clock and the status on the injected one: the same moment, except in tests that hold time still.
    /// </summary>
    private static void Announce(SandboxTemplate template, SandboxState state, SandboxWebhooks webhooks, TimeSpan delay)
    {
        var review = template.Review!;
        var value = new JsonObject
        {
            ["event"] = review.Outcome,
            ["message_template_id"] = long.Parse(template.Id, CultureInfo.InvariantCulture),
            ["message_template_name"] = template.Name,
            ["message_template_language"] = template.Language,
            ["reason"] = review.Reason,
            ["message_template_category"] = template.Category,
        };
        if (review.RejectionReason is not null)
        {
            value["rejection_info"] = new JsonObject { ["reason"] = review.RejectionReason, ["recommendation"] = review.Recommendation };
        }

        var number = state.Numbers.First(n => n.WabaId == template.WabaId);
        var envelope = SandboxWebhooks.Envelope(number, "message_template_status_update", value);
        var entry = (JsonObject)envelope["entry"]![0]!;
        var changes = entry["changes"];
        entry.Remove("changes");
        entry["time"] = (state.Clock.GetUtcNow() + delay).ToUnixTimeSeconds();
        entry["changes"] = changes;
        webhooks.Send(envelope, delay);
    }

    private static JsonObject View(SandboxTemplate template, IReadOnlyList<string> fields)
    {
        var view = new JsonObject();
        foreach (var field in fields.Append("id").Distinct(StringComparer.Ordinal))
        {
            view[field] = field switch
            {
                "name" => template.Name,
                "parameter_format" => template.Named ? "NAMED" : "POSITIONAL",
                "components" => template.Components.DeepClone(),
                "language" => template.Language,
                "status" => template.Status,
                "category" => template.Category,
                "quality_score" => new JsonObject { ["score"] = template.Status == "APPROVED" ? "GREEN" : "UNKNOWN" },
                "rejected_reason" => template.Status == "REJECTED" ? template.Review?.Reason ?? "NONE" : "NONE",
                _ => template.Id,
            };
        }

        return view;
    }

    /// <summary>The requested fields, the defaults without <c>fields</c>, or null when one is unknown.</summary>
    private static string[]? Fields(HttpRequest request) =>
        UnknownField(request) is not null ? null
        : request.Query["fields"].ToString() is { Length: > 0 } given ? given.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : DefaultFields;

    private static string? UnknownField(HttpRequest request) =>
        request.Query["fields"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(f => !KnownFields.Contains(f));

    private static async Task<JsonObject?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, cancellationToken: ct) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
