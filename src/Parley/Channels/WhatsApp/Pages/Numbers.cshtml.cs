using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;
using Parley.Web;

namespace Parley.Channels.WhatsApp.Pages;

[Authorize(Policy = nameof(Permission.ManageChannels))]
public sealed class NumbersModel(WhatsAppNumbers numbers) : PageModel
{
    public IReadOnlyList<WhatsAppNumberView> Numbers { get; private set; } = [];
    public ConnectWhatsAppNumber Form { get; private set; } = new(null, null, null, null, null);
    public string? Error { get; private set; }
    public string? Connected { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Numbers = await numbers.ListAsync(cancellationToken);

    public async Task<IActionResult> OnPostConnectAsync(string? phoneNumberId, string? wabaId, string? displayPhoneNumber, string? accessToken, CancellationToken cancellationToken)
    {
        Form = new ConnectWhatsAppNumber(phoneNumberId?.Trim(), wabaId?.Trim(), displayPhoneNumber, accessToken, null);
        var connected = await numbers.ConnectAsync(Form, cancellationToken);
        if (connected.Error is { } error)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Connected = connected.Value!.DisplayPhoneNumber;
            Form = new(null, null, null, null, null);
        }

        Numbers = await numbers.ListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await numbers.RemoveAsync(id, cancellationToken) is not null)
        {
            return NotFound();
        }

        return Request.IsHtmx() ? Content("", "text/html") : RedirectToPage();
    }
}
