using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Privacy.Pages;

/// <summary>The workspace's retention rules, with a dry run of what the next run would remove.</summary>
[Authorize(Policy = nameof(Permission.ManageRetention))]
public sealed class RetentionPageModel(Retention retention, RetentionSweep sweep) : PageModel
{
    public RetentionRulesView Rules { get; private set; } = null!;
    public RetentionReport Preview { get; private set; } = null!;
    public string? Error { get; private set; }
    public string? ErrorField { get; private set; }
    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(int? messageContentDays, int? mediaDays, int? resolvedConversationDays, int? auditLogDays, int? consentEvidenceYears, CancellationToken cancellationToken)
    {
        var saved = await retention.SaveAsync(new RetentionRulesRequest(messageContentDays, mediaDays, resolvedConversationDays, auditLogDays, consentEvidenceYears), cancellationToken);
        await LoadAsync(cancellationToken);
        if (saved.Error is { } error)
        {
            Error = error.Message;
            ErrorField = error.Field;
            Rules = Rules with
            {
                MessageContentDays = messageContentDays,
                MediaDays = mediaDays,
                ResolvedConversationDays = resolvedConversationDays,
                AuditLogDays = auditLogDays,
                ConsentEvidenceYears = consentEvidenceYears ?? Rules.ConsentEvidenceYears,
            };
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Saved = true;
        }

        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Rules = await retention.GetAsync(cancellationToken);
        Preview = await sweep.RunAsync(dryRun: true, cancellationToken);
    }
}
