using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Channels.WhatsApp.Pages;

/// <summary>
/// A number's WhatsApp business profile, read from and saved to WhatsApp (opening hours are Parley's).
/// The number comes as <c>?number=</c>; without it, the workspace's first number.
/// </summary>
[Authorize(Policy = nameof(Permission.ManageChannels))]
public sealed class ProfileModel(WhatsAppNumbers numbers, BusinessProfiles profiles) : PageModel
{
    /// <summary>Spans of opening hours offered per day on the form.</summary>
    public const int SpansPerDay = 2;

    public IReadOnlyList<WhatsAppNumberView> Numbers { get; private set; } = [];
    public WhatsAppNumberView? Number { get; private set; }
    public BusinessProfileView? Profile { get; private set; }
    public string? Error { get; private set; }
    public string? Field { get; private set; }
    public string? WhatsAppSaid { get; private set; }
    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid? number, CancellationToken cancellationToken)
    {
        if (!await SelectAsync(number, cancellationToken))
        {
            return NotFound();
        }

        if (Number is not null)
        {
            Show(await profiles.GetAsync(Number.Id, cancellationToken), null);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid number, string? about, string? address, string? description, string? email, string? website1, string? website2, string? vertical, CancellationToken cancellationToken)
    {
        if (!await SelectAsync(number, cancellationToken) || Number is null)
        {
            return NotFound();
        }

        var hours = new List<OpeningHours>();
        foreach (var day in BusinessProfiles.Days)
        {
            for (var span = 0; span < SpansPerDay; span++)
            {
                var open = Request.Form[$"{day}.open{span}"].ToString();
                var close = Request.Form[$"{day}.close{span}"].ToString();
                if (open.Length + close.Length > 0)
                {
                    hours.Add(new OpeningHours(day, open, close));
                }
            }
        }

        var request = new UpdateBusinessProfile(about, address, description, email, [.. new[] { website1, website2 }.Where(w => !string.IsNullOrWhiteSpace(w)).Select(w => w!)], vertical, hours);
        var outcome = await profiles.UpdateAsync(Number.Id, request, cancellationToken);
        Show(outcome, new BusinessProfileView(about, address, description, email, request.Websites!, vertical, null, hours));
        Saved = outcome.Error is null;
        if (!Saved)
        {
            Response.StatusCode = outcome.Error!.Kind == ErrorKind.Refused ? StatusCodes.Status502BadGateway : StatusCodes.Status400BadRequest;
        }

        return Page();
    }

    private async Task<bool> SelectAsync(Guid? number, CancellationToken cancellationToken)
    {
        Numbers = await numbers.ListAsync(cancellationToken);
        Number = number is null ? (Numbers.Count > 0 ? Numbers[0] : null) : Numbers.FirstOrDefault(n => n.Id == number);
        return number is null || Number is not null;
    }

    /// <summary>The profile WhatsApp has, or — when it refused — what the form held, with the reason.</summary>
    private void Show(ProfileOutcome outcome, BusinessProfileView? posted)
    {
        Profile = outcome.Profile ?? posted;
        Error = outcome.Error?.Message;
        Field = outcome.Error?.Field;
        WhatsAppSaid = outcome.WhatsAppSaid;
    }

    public string? Hours(string day, int span, bool open) =>
        Profile?.OpeningHours.Where(h => h.DayOfWeek == day).Skip(span).FirstOrDefault() is { } hours ? (open ? hours.OpenTime : hours.CloseTime) : null;
}
