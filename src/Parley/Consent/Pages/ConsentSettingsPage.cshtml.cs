using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Consent.Pages;

/// <summary>Purposes, their wordings (new versions only; old ones stay as proof) and the objection keywords.</summary>
[Authorize(Policy = nameof(Permission.ManageConsent))]
public sealed class ConsentSettingsPageModel(ConsentCatalog catalog, ConsentKeywords keywords) : PageModel
{
    public IReadOnlyList<PurposeView> Purposes { get; private set; } = [];
    public KeywordSettingsView Keywords { get; private set; } = new([], [], null, null);
    public string? Error { get; private set; }
    public string? Saved { get; private set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostPurposeAsync(string? key, string? name, string? description, CancellationToken cancellationToken) =>
        await DoneAsync((await catalog.AddPurposeAsync(new CreatePurposeRequest(key, name, description), cancellationToken)).Error, "The purpose was added.", cancellationToken);

    public async Task<IActionResult> OnPostWordingAsync(string? purpose, string? language, string? text, CancellationToken cancellationToken)
    {
        var added = await catalog.AddWordingAsync(purpose ?? "", new CreateWordingRequest(language, text), cancellationToken);
        return await DoneAsync(added.Error?.Kind == ErrorKind.NotFound ? OperationError.Invalid("purpose", "There is no such purpose.") : added.Error, "The new wording version was saved.", cancellationToken);
    }

    public async Task<IActionResult> OnPostKeywordsAsync(string? stop, string? start, string? stopReply, string? startReply, CancellationToken cancellationToken)
    {
        var request = new KeywordSettingsRequest(Words(stop), Words(start), stopReply, startReply);
        return await DoneAsync((await keywords.SetAsync(request, cancellationToken)).Error, "The keywords were saved.", cancellationToken);
    }

    private async Task<IActionResult> DoneAsync(OperationError? error, string saved, CancellationToken cancellationToken)
    {
        if (error is not null)
        {
            Error = error.Message;
            Response.StatusCode = error.Kind == ErrorKind.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        }
        else
        {
            Saved = saved;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Purposes = await catalog.ListAsync(cancellationToken);
        Keywords = await keywords.GetAsync(cancellationToken);
    }

    private static string[] Words(string? text) => (text ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
}
