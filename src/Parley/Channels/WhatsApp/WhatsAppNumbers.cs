using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;

namespace Parley.Channels.WhatsApp;

public sealed record WhatsAppNumberView(Guid Id, string PhoneNumberId, string WabaId, string DisplayPhoneNumber, int Throughput, Guid? TeamId, DateTime CreatedAt);

public sealed record ConnectWhatsAppNumber(string? PhoneNumberId, string? WabaId, string? DisplayPhoneNumber, string? AccessToken, int? Throughput);

/// <summary>
/// What may change on a connected number: its throughput (when Meta raises it), its access token (rotation)
/// and its default team (<c>teamId</c>: a team's id, or <c>null</c> for none; left out, it stays).
/// </summary>
public sealed record UpdateWhatsAppNumber(int? Throughput, string? AccessToken, JsonElement TeamId);

/// <summary>Connecting, listing, updating and removing the WhatsApp numbers of the current workspace.</summary>
public sealed partial class WhatsAppNumbers(ParleyDb db, WorkspaceContext workspace, AuditLog audit, Secrets secrets, TimeProvider clock)
{
    public async Task<List<WhatsAppNumberView>> ListAsync(CancellationToken cancellationToken) =>
        await db.WhatsAppNumbers.AsNoTracking()
            .Where(n => n.RemovedAt == null)
            .OrderBy(n => n.CreatedAt)
            .Select(n => new WhatsAppNumberView(n.Id, n.PhoneNumberId, n.WabaId, n.DisplayPhoneNumber, n.Throughput, n.TeamId, n.CreatedAt))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<WhatsAppNumberView>> ConnectAsync(ConnectWhatsAppNumber request, CancellationToken cancellationToken)
    {
        if (!GraphId().IsMatch(request.PhoneNumberId ?? ""))
        {
            return OperationError.Invalid("phoneNumberId", "phoneNumberId is the number's id in Meta's WhatsApp Manager: digits only, up to 32.");
        }

        if (!GraphId().IsMatch(request.WabaId ?? ""))
        {
            return OperationError.Invalid("wabaId", "wabaId is the WhatsApp Business Account id: digits only, up to 32.");
        }

        if (!DisplayNumber().IsMatch(request.DisplayPhoneNumber ?? ""))
        {
            return OperationError.Invalid("displayPhoneNumber", "displayPhoneNumber is the phone number as shown to customers, e.g. +49 30 1234567.");
        }

        if (string.IsNullOrWhiteSpace(request.AccessToken) || request.AccessToken.Length > 2000)
        {
            return OperationError.Invalid("accessToken", "accessToken is required: a system-user token with the whatsapp_business_messaging permission.");
        }

        if (request.Throughput is < 1 or > WhatsAppNumber.MaxThroughput)
        {
            return OperationError.Invalid("throughput", $"throughput lies between 1 and {WhatsAppNumber.MaxThroughput} messages per second.");
        }

        if (await db.WhatsAppNumbers.IgnoreQueryFilters().AnyAsync(n => n.PhoneNumberId == request.PhoneNumberId && n.RemovedAt == null, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This WhatsApp number is already connected on this installation. Remove it there first.", "phoneNumberId");
        }

        var number = new WhatsAppNumber
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            PhoneNumberId = request.PhoneNumberId!,
            WabaId = request.WabaId!,
            DisplayPhoneNumber = request.DisplayPhoneNumber!.Trim(),
            AccessTokenProtected = secrets.Protect(request.AccessToken.Trim()),
            Throughput = request.Throughput ?? WhatsAppNumber.DefaultThroughput,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.WhatsAppNumbers.Add(number);
        audit.Add("whatsapp_number.connected", "whatsapp_number", number.Id, number.PhoneNumberId);
        await db.SaveChangesAsync(cancellationToken);
        return View(number);
    }

    public async Task<Outcome<WhatsAppNumberView>> UpdateAsync(Guid id, UpdateWhatsAppNumber request, CancellationToken cancellationToken)
    {
        var number = await db.WhatsAppNumbers.FirstOrDefaultAsync(n => n.Id == id && n.RemovedAt == null, cancellationToken);
        if (number is null)
        {
            return OperationError.NotFound;
        }

        if (request.Throughput is null && request.AccessToken is null && request.TeamId.ValueKind == JsonValueKind.Undefined)
        {
            return OperationError.Invalid("throughput", "Send throughput, accessToken, teamId or several of them.");
        }

        Guid? teamId = null;
        if (request.TeamId.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (request.TeamId.ValueKind != JsonValueKind.String || !request.TeamId.TryGetGuid(out var parsed)
                || !await db.Teams.AnyAsync(t => t.Id == parsed, cancellationToken))
            {
                return OperationError.Invalid("teamId", "teamId must be the id of a team of this workspace, or null for none.");
            }

            teamId = parsed;
        }

        if (request.Throughput is < 1 or > WhatsAppNumber.MaxThroughput)
        {
            return OperationError.Invalid("throughput", $"throughput lies between 1 and {WhatsAppNumber.MaxThroughput} messages per second.");
        }

        if (request.AccessToken is not null && (string.IsNullOrWhiteSpace(request.AccessToken) || request.AccessToken.Length > 2000))
        {
            return OperationError.Invalid("accessToken", "accessToken, when given, is a system-user token with the whatsapp_business_messaging permission.");
        }

        if (request.Throughput is { } throughput)
        {
            number.Throughput = throughput;
            audit.Add("whatsapp_number.throughput_changed", "whatsapp_number", number.Id, $"{number.PhoneNumberId}: {throughput}/s");
        }

        if (request.AccessToken is { } token)
        {
            number.AccessTokenProtected = secrets.Protect(token.Trim());
            audit.Add("whatsapp_number.token_replaced", "whatsapp_number", number.Id, number.PhoneNumberId);
        }

        if (request.TeamId.ValueKind != JsonValueKind.Undefined && number.TeamId != teamId)
        {
            number.TeamId = teamId;
            audit.Add("whatsapp_number.team_changed", "whatsapp_number", number.Id, teamId is null ? $"{number.PhoneNumberId}: no team" : $"{number.PhoneNumberId}: team {teamId}");
        }

        await db.SaveChangesAsync(cancellationToken);
        return View(number);
    }

    public async Task<OperationError?> RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        var number = await db.WhatsAppNumbers.FirstOrDefaultAsync(n => n.Id == id && n.RemovedAt == null, cancellationToken);
        if (number is null)
        {
            return OperationError.NotFound;
        }

        number.RemovedAt = clock.GetUtcNow().UtcDateTime;
        audit.Add("whatsapp_number.removed", "whatsapp_number", number.Id, number.PhoneNumberId);
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    private static WhatsAppNumberView View(WhatsAppNumber number) =>
        new(number.Id, number.PhoneNumberId, number.WabaId, number.DisplayPhoneNumber, number.Throughput, number.TeamId, number.CreatedAt);

    [GeneratedRegex(@"^\d{1,32}$")]
    private static partial Regex GraphId();

    [GeneratedRegex(@"^\+?[\d][\d \-()]{4,30}$")]
    private static partial Regex DisplayNumber();
}
