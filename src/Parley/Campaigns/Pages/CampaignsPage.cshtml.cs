using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Templates;

namespace Parley.Campaigns.Pages;

/// <summary>The workspace's campaigns, and a form that plans a new one (a draft: nothing is sent until it is started).</summary>
[Authorize(Policy = nameof(Permission.ViewCampaigns))]
public sealed class CampaignsPageModel(Campaigns campaigns, CampaignPlanner planner, ContactSets sets, ParleyDb db, WorkspaceContext workspace) : PageModel
{
    public IReadOnlyList<CampaignSummary> Campaigns { get; private set; } = [];
    public IReadOnlyList<(string Key, string Label, string Variables)> Templates { get; private set; } = [];
    public IReadOnlyList<ListView> Lists { get; private set; } = [];
    public IReadOnlyList<SegmentView> Segments { get; private set; } = [];
    public IReadOnlyList<(Guid Id, string Phone)> Numbers { get; private set; } = [];
    public bool MayManage => workspace.Can(Permission.ManageCampaigns);
    public string? Error { get; private set; }
    public string? ErrorField { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(
        string? name, string? template, string? variables, List<Guid>? lists, List<Guid>? segments, List<string>? numbers,
        DateTime? startAt, string? sendFrom, string? sendUntil, int? capMessages, int? capDays, CancellationToken cancellationToken)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        var (templateName, language) = template?.Split('|') is [var n, var l] ? (n, l) : (null, null);
        var mapping = new JsonObject();
        foreach (var line in (variables ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = line.IndexOf('=', StringComparison.Ordinal);
            if (at > 0)
            {
                mapping[line[..at].Trim()] = line[(at + 1)..].Trim();
            }
        }

        var request = new CampaignRequest(
            name, new NotificationTemplate(templateName, language), mapping, new CampaignAudience(lists, segments), numbers, null,
            new CampaignSchedule(startAt is { } start ? DateTime.SpecifyKind(start, DateTimeKind.Utc) : null, Blank(sendFrom), Blank(sendUntil), null),
            capMessages is null && capDays is null ? null : new FrequencyCapRequest(capMessages, capDays));
        var created = await planner.CreateAsync(request, cancellationToken);
        if (created.Error is { } error)
        {
            Error = error.Message;
            ErrorField = error.Field;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync(cancellationToken);
            return Page();
        }

        return Redirect($"/w/{workspace.Slug}/campaigns/{created.Value!.Id}");
    }

    /// <summary>What the form sent, to show it again with an error.</summary>
    public string Posted(string field) => Request.HasFormContentType ? Request.Form[field].ToString() : "";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Campaigns = await campaigns.ListAsync(cancellationToken);
        var approved = await db.WhatsAppTemplates.AsNoTracking().Where(t => t.Status == "APPROVED").OrderBy(t => t.Name).ToListAsync(cancellationToken);
        Templates = [.. approved.DistinctBy(t => (t.Name, t.Language)).Select(t =>
        {
            var choice = Inbox.TemplateChoices.Choice(t);
            return ($"{t.Name}|{t.Language}", $"{t.Name} ({t.Language}, {t.Category})", string.Join("\n", choice.Variables.Select(v => $"{v} = ")));
        })];
        Lists = await sets.ListsAsync(cancellationToken);
        Segments = await sets.SegmentsAsync(cancellationToken);
        Numbers = [.. (await db.WhatsAppNumbers.AsNoTracking().Where(n => n.RemovedAt == null).OrderBy(n => n.CreatedAt).ToListAsync(cancellationToken)).Select(n => (n.Id, n.DisplayPhoneNumber))];
    }

    public static string When(DateTime? at) => at?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "–";
}
