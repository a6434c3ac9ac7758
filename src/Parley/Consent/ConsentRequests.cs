using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;

namespace Parley.Consent;

public sealed record OfferedPurpose(string Purpose, string Name, Guid WordingId, int Version, string Text);

public sealed record ConsentPageInfo(string WorkspaceName, string? BusinessNumber, IReadOnlyList<OfferedPurpose> Purposes);

public sealed record PendingConsent(string Code, string WhatsAppLink, string BusinessNumber, string MessageText, DateTime ExpiresAt);

/// <summary>
/// The public consent page's side of double opt-in: a submission stores what was shown and to whom, and
/// answers with a one-time code to send from that very number on WhatsApp (<see cref="ConsentSignals"/>
/// grants when it arrives). Works for anonymous visitors: it enters the workspace named in the URL.
/// </summary>
public sealed class ConsentRequests(ParleyDb db, WorkspaceContext workspace, TimeProvider clock)
{
    public const string CodePrefix = "OPT-";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>Open submissions one number may have per hour, so the page cannot be used to pester someone.</summary>
    public const int OpenRequestsPerNumber = 3;

    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public sealed record ShownWording(string Purpose, Guid WordingId, int Version, string Text);

    /// <summary>The page for a workspace slug, in a language; null when there is no such workspace.</summary>
    public async Task<ConsentPageInfo?> PageAsync(string slug, string language, CancellationToken cancellationToken)
    {
        var found = await db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == slug).Select(w => new { w.Id, w.Name }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return null;
        }

        // No slug: the visitor is not a member, so the layout offers no workspace navigation.
        workspace.Enter(found.Id, null, Role.Viewer, new Actor("anonymous", null));
        var number = await db.WhatsAppNumbers.Where(n => n.RemovedAt == null).OrderBy(n => n.CreatedAt).Select(n => n.DisplayPhoneNumber).FirstOrDefaultAsync(cancellationToken);
        var names = Purposes.BuiltIn.ToDictionary(p => p.Key, p => p.Name);
        foreach (var custom in await db.ConsentPurposes.AsNoTracking().ToListAsync(cancellationToken))
        {
            names[custom.Key] = custom.Name;
        }

        var wordings = await db.ConsentWordings.AsNoTracking()
            .Where(w => w.Language == language && !db.ConsentWordings.Any(n => n.Purpose == w.Purpose && n.Language == w.Language && n.Version > w.Version))
            .ToListAsync(cancellationToken);
        var offered = wordings.Where(w => names.ContainsKey(w.Purpose))
            .OrderBy(w => Purposes.IsBuiltIn(w.Purpose) ? 0 : 1).ThenBy(w => w.Purpose)
            .Select(w => new OfferedPurpose(w.Purpose, names[w.Purpose], w.Id, w.Version, w.Text)).ToList();
        return new ConsentPageInfo(found.Name, number, offered);
    }

    public async Task<Outcome<PendingConsent>> SubmitAsync(
        ConsentPageInfo page, string? name, string? phone, IReadOnlyList<string> chosen, string language, string? ipAddress, string? userAgent, CancellationToken cancellationToken)
    {
        if (page.BusinessNumber is null)
        {
            return new OperationError(ErrorKind.Refused, "This business cannot be reached on WhatsApp at the moment.");
        }

        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return OperationError.Invalid("name", "Please enter your name (at most 200 characters).");
        }

        if (Phones.Normalise(phone) is not { } e164)
        {
            return OperationError.Invalid("phone", "Please enter your mobile number, e.g. 0170 1234567 or, from abroad, with its country code: +43 664 1234567.");
        }

        var waId = Phones.WaIdOf(e164);

        var purposes = page.Purposes.Where(p => chosen.Contains(p.Purpose)).ToList();
        if (purposes.Count == 0)
        {
            return OperationError.Invalid("purposes", "Please choose at least one kind of message.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var since = now - TimeSpan.FromHours(1);
        if (await db.ConsentRequests.CountAsync(r => r.WaId == waId && r.CreatedAt > since && r.ConfirmedAt == null, cancellationToken) >= OpenRequestsPerNumber)
        {
            return new OperationError(ErrorKind.Refused, "Too many requests for this number. Please confirm one of the codes you already have, or try again in an hour.");
        }

        var code = CodePrefix + RandomNumberGenerator.GetString(Alphabet, 8);
        var request = new ConsentRequest
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            Code = code,
            WaId = waId,
            Name = name,
            Language = language,
            Purposes = JsonSerializer.Serialize(purposes.Select(p => new ShownWording(p.Purpose, p.WordingId, p.Version, p.Text))),
            IpAddress = ipAddress,
            UserAgent = userAgent is { Length: > 300 } ? userAgent[..300] : userAgent,
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        };
        db.ConsentRequests.Add(request);
        await db.SaveChangesAsync(cancellationToken);

        var text = language == "de" ? $"Ja, ich willige ein. Code: {code}" : $"Yes, I agree. Code: {code}";
        var business = new string([.. page.BusinessNumber.Where(char.IsAsciiDigit)]);
        return new PendingConsent(code, $"https://wa.me/{business}?text={Uri.EscapeDataString(text)}", page.BusinessNumber, text, request.ExpiresAt);
    }
}
