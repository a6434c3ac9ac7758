using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;
using Parley.Teams;
using Parley.Web;

namespace Parley.Channels.WhatsApp.Pages;

[Authorize(Policy = nameof(Permission.ManageChannels))]
public sealed class NumbersModel(WhatsAppNumbers numbers, TeamRoster roster) : PageModel
{
    public IReadOnlyList<WhatsAppNumberView> Numbers { get; private set; } = [];
    public ConnectWhatsAppNumber Form { get; private set; } = new(null, null, null, null, null);
    public string? Error { get; private set; }
    public string? Connected { get; private set; }
    public IReadOnlyList<TeamView> Teams { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Numbers = await numbers.ListAsync(cancellationToken);
        Teams = await roster.ListAsync(cancellationToken);
    }

    /// <summary>The team the number's new (and reopened) conversations go to; none is an empty choice.</summary>
    public Task<IActionResult> OnPostTeamAsync(Guid id, Guid? teamId, CancellationToken cancellationToken) =>
        UpdateAsync(id, new UpdateWhatsAppNumber(null, null, JsonSerializer.SerializeToElement(teamId)), cancellationToken);

    /// <summary>The number's throughput and, when one is given, a new access token (an empty field keeps the old one).</summary>
    public Task<IActionResult> OnPostSettingsAsync(Guid id, int? throughput, string? accessToken, CancellationToken cancellationToken) =>
        UpdateAsync(id, new UpdateWhatsAppNumber(throughput, string.IsNullOrWhiteSpace(accessToken) ? null : accessToken.Trim(), default), cancellationToken);

    private async Task<IActionResult> UpdateAsync(Guid id, UpdateWhatsAppNumber update, CancellationToken cancellationToken)
    {
        var updated = await numbers.UpdateAsync(id, update, cancellationToken);
        if (updated.Error is { Kind: ErrorKind.NotFound })
        {
            return NotFound();
        }

        if (updated.Error is { } error)
        {
            Error = error.Message;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await OnGetAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage();
    }

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

        await OnGetAsync(cancellationToken);
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
