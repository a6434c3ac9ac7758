using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Channels.WhatsApp.Pages;

[Authorize(Policy = nameof(Permission.ManageChannels))]
public sealed class DeadLettersModel(DeadLetters deadLetters) : PageModel
{
    public IReadOnlyList<DeadLetterView> Letters { get; private set; } = [];
    public int? Replayed { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Letters = await deadLetters.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostReplayAsync(long? id, CancellationToken cancellationToken)
    {
        Replayed = await deadLetters.ReplayAsync(id, cancellationToken);
        if (id is not null && Replayed == 0)
        {
            return NotFound();
        }

        Letters = await deadLetters.ListAsync(cancellationToken);
        return Page();
    }
}
