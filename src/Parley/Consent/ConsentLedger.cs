using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Consent;

/// <summary>A statement to append to the ledger (already checked).</summary>
public sealed record ConsentChange(
    Guid ContactId, string Purpose, bool Granted, string Channel, string Source, string Wording, DateTime OccurredAt,
    string? Evidence = null, Guid? WordingId = null, int? WordingVersion = null);

public sealed record ConsentRecordView(
    Guid Id, string Purpose, string Action, string Channel, string Source, Guid? WordingId, int? WordingVersion, string Wording,
    string? Evidence, DateTime OccurredAt, DateTime RecordedAt, string ActorKind, Guid? ActorId);

public sealed record ConsentStateView(string Purpose, string State, DateTime? Since, Guid? RecordId);

public sealed record ContactConsentView(Guid ContactId, IReadOnlyList<ConsentStateView> Purposes, IReadOnlyList<ConsentRecordView> History);

public sealed record RecordConsentRequest(
    string? Purpose, string? Action, string? Channel, string? Source, string? Wording, Guid? WordingId, string? Evidence, DateTime? OccurredAt);

/// <summary>
/// The consent ledger of the current workspace: appends records (never changes or removes one) and keeps
/// the derived current state per contact and purpose in the same unit of work.
/// </summary>
public sealed class ConsentLedger(
    ParleyDb db, WorkspaceContext workspace, AuditLog audit, ConsentCatalog catalog, Objections objections, TimeProvider clock, IHttpContextAccessor http)
{
    /// <summary>
    /// Adds the records and moves the current states to them, without saving: the caller commits them
    /// with whatever caused them. A statement older than the current one is kept but does not change the state.
    /// With <paramref name="onlyIfChanged"/> a change that would not alter the state is not recorded at all
    /// (repeated signals such as WhatsApp's error 131050).
    /// </summary>
    public async Task<IReadOnlyList<ConsentRecord>> AppendAsync(IEnumerable<ConsentChange> changes, bool onlyIfChanged, CancellationToken cancellationToken)
    {
        var recorded = new List<ConsentRecord>();
        var now = clock.GetUtcNow().UtcDateTime;
        var actor = workspace.Actor;
        foreach (var change in changes)
        {
            var state = await StateAsync(change.ContactId, change.Purpose, cancellationToken);
            if (onlyIfChanged && state?.Granted == change.Granted)
            {
                continue;
            }

            var record = new ConsentRecord
            {
                WorkspaceId = workspace.RequiredWorkspaceId,
                ContactId = change.ContactId,
                Purpose = change.Purpose,
                Granted = change.Granted,
                Channel = change.Channel,
                Source = change.Source,
                WordingId = change.WordingId,
                WordingVersion = change.WordingVersion,
                Wording = Truncate(change.Wording, 4000),
                Evidence = change.Evidence is null ? null : Truncate(change.Evidence, 1000),
                OccurredAt = change.OccurredAt,
                RecordedAt = now,
                ActorKind = actor.Kind,
                ActorId = actor.Id,
                IpAddress = actor.Kind is "user" or "apikey" ? http.HttpContext?.Connection.RemoteIpAddress?.ToString() : null,
            };
            db.ConsentRecords.Add(record);
            recorded.Add(record);
            if (state is null)
            {
                db.ConsentStates.Add(new ConsentState
                {
                    ContactId = record.ContactId,
                    Purpose = record.Purpose,
                    WorkspaceId = record.WorkspaceId,
                    Granted = record.Granted,
                    RecordId = record.Id,
                    OccurredAt = record.OccurredAt,
                });
            }
            else if (record.OccurredAt >= state.OccurredAt)
            {
                (state.Granted, state.RecordId, state.OccurredAt) = (record.Granted, record.Id, record.OccurredAt);
            }
        }

        return recorded;
    }

    /// <summary>The current state, including one added in this unit of work but not yet saved.</summary>
    public async Task<ConsentState?> StateAsync(Guid contactId, string purpose, CancellationToken cancellationToken) =>
        db.ConsentStates.Local.FirstOrDefault(s => s.ContactId == contactId && s.Purpose == purpose)
        ?? await db.ConsentStates.FirstOrDefaultAsync(s => s.ContactId == contactId && s.Purpose == purpose, cancellationToken);

    /// <summary>A grant or withdrawal a person or an integration records (API and pages); audited.</summary>
    public async Task<Outcome<ConsentRecordView>> RecordAsync(Guid contactId, RecordConsentRequest request, CancellationToken cancellationToken)
    {
        // The contact first: another workspace's contact is simply not found, whatever the body says.
        var contact = await db.Contacts.Where(c => c.Id == contactId).Select(c => new { c.Phone, c.WaId }).FirstOrDefaultAsync(cancellationToken);
        if (contact is null)
        {
            return OperationError.NotFound;
        }

        var purpose = request.Purpose?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(purpose))
        {
            return OperationError.Invalid("purpose", "A purpose is required (e.g. marketing).");
        }

        if (!await catalog.ExistsAsync(purpose, cancellationToken))
        {
            return OperationError.Invalid("purpose", "There is no such purpose; see GET /api/v1/consent/purposes.");
        }

        bool granted;
        switch (request.Action?.Trim().ToLowerInvariant())
        {
            case "grant" or "granted":
                granted = true;
                break;
            case "withdraw" or "withdrawn":
                granted = false;
                break;
            default:
                return OperationError.Invalid("action", "The action is grant or withdraw.");
        }

        var source = request.Source?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(source))
        {
            return OperationError.Invalid("source", "A source is required: where the person said it (api, web_form, import, inbound_message, agent, paper).");
        }

        if (!ConsentSources.Recordable.Contains(source))
        {
            return OperationError.Invalid("source", "The source is one of api, web_form, import, inbound_message, agent, paper.");
        }

        var channel = request.Channel?.Trim().ToLowerInvariant() ?? "api";
        if (!ConsentSources.Channels.Contains(channel))
        {
            return OperationError.Invalid("channel", "The channel is one of whatsapp, web, phone, email, paper, in_person, api, sms.");
        }

        var wording = request.Wording?.Trim();
        ConsentWording? stored = null;
        if (request.WordingId is { } wordingId)
        {
            stored = await db.ConsentWordings.AsNoTracking().FirstOrDefaultAsync(w => w.Id == wordingId && w.Purpose == purpose, cancellationToken);
            if (stored is null)
            {
                return OperationError.Invalid("wordingId", "There is no wording with this id for this purpose.");
            }

            wording = stored.Text;
        }

        if (string.IsNullOrEmpty(wording))
        {
            return OperationError.Invalid("wording", "The wording is required: the text the person agreed to or said (or wordingId, a stored version).");
        }

        if (wording.Length > 4000)
        {
            return OperationError.Invalid("wording", "The wording has at most 4,000 characters.");
        }

        var evidence = request.Evidence?.Trim();
        if (evidence?.Length > 1000)
        {
            return OperationError.Invalid("evidence", "The evidence reference has at most 1,000 characters.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var occurredAt = request.OccurredAt?.AsUtc() ?? now;
        if (occurredAt > now + TimeSpan.FromMinutes(5))
        {
            return OperationError.Invalid("occurredAt", "occurredAt lies in the future.");
        }

        if (granted && await objections.ObjectedAsync(contact.Phone, contact.WaId, purpose, cancellationToken) is { } objected)
        {
            return new OperationError(ErrorKind.Conflict, Objections.Message(purpose, objected), "action");
        }

        var change = new ConsentChange(contactId, purpose, granted, channel, source, wording, occurredAt, string.IsNullOrEmpty(evidence) ? null : evidence, stored?.Id, stored?.Version);
        var record = (await AppendAsync([change], onlyIfChanged: false, cancellationToken))[0];
        audit.Add(granted ? "consent.granted" : "consent.withdrawn", "contact", contactId, $"purpose={purpose} source={source} channel={channel}");
        await db.SaveChangesAsync(cancellationToken);
        return View(record);
    }

    public async Task<ContactConsentView?> OverviewAsync(Guid contactId, CancellationToken cancellationToken)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, cancellationToken))
        {
            return null;
        }

        var records = await db.ConsentRecords.AsNoTracking().Where(r => r.ContactId == contactId)
            .OrderByDescending(r => r.OccurredAt).ThenByDescending(r => r.Id).ToListAsync(cancellationToken);
        var states = await db.ConsentStates.AsNoTracking().Where(s => s.ContactId == contactId).ToDictionaryAsync(s => s.Purpose, cancellationToken);
        var purposes = (await catalog.KeysAsync(cancellationToken)).Concat(states.Keys).Distinct()
            .Select(p => states.TryGetValue(p, out var s)
                ? new ConsentStateView(p, s.Granted ? "granted" : "withdrawn", s.OccurredAt, s.RecordId)
                : new ConsentStateView(p, "none", null, null))
            .ToList();
        return new ContactConsentView(contactId, purposes, [.. records.Select(View)]);
    }

    public static ConsentRecordView View(ConsentRecord r) =>
        new(r.Id, r.Purpose, r.Granted ? "granted" : "withdrawn", r.Channel, r.Source, r.WordingId, r.WordingVersion, r.Wording,
            r.Evidence, r.OccurredAt, r.RecordedAt, r.ActorKind, r.ActorId);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}
