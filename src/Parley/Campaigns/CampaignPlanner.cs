using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;
using Parley.Templates;

namespace Parley.Campaigns;

public sealed record CampaignAudience(List<Guid>? Lists, List<Guid>? Segments);

/// <summary>Start time (UTC) and the daily window <c>"09:00"</c>–<c>"20:00"</c> in the customer's time zone.</summary>
public sealed record CampaignSchedule(DateTime? StartAt, string? SendFrom, string? SendUntil, string? TimeZone);

public sealed record FrequencyCapRequest(int? Messages, int? Days);

public sealed record CampaignRequest(
    string? Name, NotificationTemplate? Template, JsonObject? Variables, CampaignAudience? Audience, List<string>? Numbers,
    string? Purpose, CampaignSchedule? Schedule, FrequencyCapRequest? FrequencyCap);

/// <summary>
/// Creates a campaign and plans it: checks the request against the workspace, resolves the audience
/// (lists and segments, each person once), and writes one recipient row per person with the sticky sender,
/// the filled-in variables, the time zone and country of the number — or the reason it will be skipped
/// (no consent, opted out, no number, a variable without a value). All in one transaction, set-based:
/// a query per kind of fact for the whole audience and multi-row inserts.
/// </summary>
public sealed class CampaignPlanner(
    ParleyDb db, WorkspaceContext workspace, ContactSets sets, ConsentCatalog purposes, TemplateStore templates, GraphClient graph,
    AuditLog audit, WriteGate gate, IOptions<CampaignOptions> options, TimeProvider clock)
{
    private const string DefaultTimeZone = "Europe/Berlin";

    public async Task<Outcome<Campaign>> CreateAsync(CampaignRequest? request, CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return OperationError.Invalid("name", "Give the campaign a name of 1 to 200 characters.");
        }

        var pool = await NumbersAsync(request!.Numbers, cancellationToken);
        if (pool.Error is { } numberProblem)
        {
            return numberProblem;
        }

        var numbers = pool.Value!;
        var (templateName, language) = (request.Template?.Name?.Trim(), request.Template?.Language?.Trim());
        if (string.IsNullOrEmpty(templateName) || string.IsNullOrEmpty(language))
        {
            return OperationError.Invalid("template", "Name the template: {\"name\":\"spring_offer\",\"language\":\"de\"}.");
        }

        WhatsAppTemplate? template = null;
        foreach (var wabaId in numbers.Select(n => n.WabaId).Distinct())
        {
            if (!await db.WhatsAppTemplates.AnyAsync(t => t.WabaId == wabaId, cancellationToken))
            {
                await templates.SyncAsync(cancellationToken, wabaId);
            }

            var found = await db.WhatsAppTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.WabaId == wabaId && t.Name == templateName && t.Language == language, cancellationToken);
            if (found is not { Status: "APPROVED" })
            {
                return OperationError.Invalid("template", found is null
                    ? $"There is no template '{templateName}' in language '{language}' for the WhatsApp account {wabaId}; every sender number needs it approved (see GET /api/v1/templates)."
                    : $"The template '{templateName}' ({language}) is {found.Status} for the WhatsApp account {wabaId}; only approved templates can be sent.");
            }

            template ??= found;
        }

        var mapping = request.Variables ?? [];
        var choice = TemplateChoices.Choice(template!);
        var unmapped = choice.Variables.Where(v => mapping[v] is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text)).ToList();
        if (unmapped.Count > 0)
        {
            return OperationError.Invalid("variables", $"Map every variable of the template to a text, e.g. {{\"{unmapped[0]}\":\"{{{{contact.name|Kundin}}}}\"}}; missing: {string.Join(", ", unmapped)}.");
        }

        var attributeKeys = choice.Variables.SelectMany(v => TemplateRenderer.FieldsOf(mapping[v]!.GetValue<string>()))
            .Where(f => f.StartsWith("attr.", StringComparison.Ordinal)).Select(f => f[5..]).Distinct().ToList();
        var attributes = await db.AttributeDefinitions.AsNoTracking().Where(a => attributeKeys.Contains(a.Key)).ToDictionaryAsync(a => a.Key, cancellationToken);
        if (attributeKeys.FirstOrDefault(k => !attributes.ContainsKey(k)) is { } unknown)
        {
            return OperationError.Invalid("variables", $"There is no contact attribute '{unknown}'; see GET /api/v1/attributes.");
        }

        var purpose = request.Purpose?.Trim().ToLowerInvariant() is { Length: > 0 } given ? given
            : string.Equals(template!.Category, "MARKETING", StringComparison.OrdinalIgnoreCase) ? Purposes.Marketing : Purposes.Service;
        if (!await purposes.ExistsAsync(purpose, cancellationToken))
        {
            return OperationError.Invalid("purpose", "There is no such purpose; see GET /api/v1/consent/purposes.");
        }

        var audience = await AudienceAsync(request.Audience, cancellationToken);
        if (audience.Error is { } audienceProblem)
        {
            return audienceProblem;
        }

        var schedule = Schedule(request.Schedule);
        if (schedule.Error is { } scheduleProblem)
        {
            return scheduleProblem;
        }

        var (windowStart, windowEnd, timeZone) = schedule.Value;
        if (request.FrequencyCap is { } cap && (cap.Messages is not (>= 1 and <= 100) || cap.Days is not (>= 1 and <= 365)))
        {
            return OperationError.Invalid("frequencyCap", "frequencyCap is {\"messages\":1,\"days\":7}: at most 1–100 campaign messages per person within 1–365 days.");
        }

        await RefreshLimitsAsync(numbers, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var campaignId = Guid.CreateVersion7();
        var tally = new PlanTally();
        var rows = await PlanAsync(campaignId, audience.Value!, numbers, choice, mapping, attributes.Values.ToList(), purpose, timeZone, tally, cancellationToken);
        var campaign = new Campaign
        {
            Id = campaignId,
            WorkspaceId = workspace.RequiredWorkspaceId,
            Name = name,
            TemplateName = templateName,
            TemplateLanguage = language,
            TemplateCategory = (template!.Category ?? "MARKETING").ToUpperInvariant(),
            Purpose = purpose,
            Variables = mapping.ToJsonString(),
            Audience = JsonSerializer.Serialize(new { lists = request.Audience?.Lists ?? [], segments = request.Audience?.Segments ?? [] }),
            Numbers = JsonSerializer.Serialize(numbers.Select(n => n.Id)),
            StartAt = request.Schedule?.StartAt?.ToUniversalTime(),
            WindowStart = windowStart,
            WindowEnd = windowEnd,
            TimeZone = timeZone,
            FrequencyCap = request.FrequencyCap?.Messages,
            FrequencyDays = request.FrequencyCap?.Days,
            State = CampaignState.Draft,
            CreatedBy = workspace.Actor.Kind == "user" ? workspace.Actor.Id : null,
            CreatedAt = now,
            UpdatedAt = now,
        };

        using (await gate.EnterAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Campaigns.Add(campaign);
            await db.SaveChangesAsync(cancellationToken);

            // The rows are made as they are written: building them overlaps with the database's work on them.
            await BulkInsert.RunAsync(db, "campaign_recipients", Columns, rows, cancellationToken);
            campaign.Recipients = tally.Recipients;
            campaign.Estimate = Estimate(tally, campaign.TemplateCategory).ToJsonString();
            audit.Add("campaign.created", "campaign", campaign.Id, $"{tally.Recipients} recipients, {tally.ToSend} to send");
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return campaign;
    }

    private static readonly string[] Columns = ["id", "workspace_id", "campaign_id", "contact_id", "whatsapp_number_id", "state", "reason", "variable_values", "time_zone", "country"];

    /// <summary>The sender pool: the named numbers (our id or WhatsApp's phone number id), or every number of the workspace.</summary>
    private async Task<Outcome<List<WhatsAppNumber>>> NumbersAsync(List<string>? named, CancellationToken cancellationToken)
    {
        var all = await db.WhatsAppNumbers.Where(n => n.RemovedAt == null).OrderBy(n => n.CreatedAt).ToListAsync(cancellationToken);
        if (all.Count == 0)
        {
            return new OperationError(ErrorKind.Refused, "The workspace has no WhatsApp number to send from; connect one first.");
        }

        if (named is null or { Count: 0 })
        {
            return all;
        }

        var chosen = new List<WhatsAppNumber>();
        foreach (var key in named.Distinct())
        {
            var number = all.FirstOrDefault(n => n.PhoneNumberId == key || n.Id.ToString() == key);
            if (number is null)
            {
                return OperationError.Invalid("numbers", $"'{key}' is not one of this workspace's WhatsApp numbers (give its id or phoneNumberId).");
            }

            chosen.Add(number);
        }

        return chosen;
    }

    /// <summary>Everyone on the lists and in the segments, as one predicate (each person once).</summary>
    private async Task<Outcome<Expression<Func<Contact, bool>>>> AudienceAsync(CampaignAudience? audience, CancellationToken cancellationToken)
    {
        var conditions = new List<SegmentCondition>();
        foreach (var listId in audience?.Lists ?? [])
        {
            if (await sets.FindListAsync(listId, cancellationToken) is null)
            {
                return OperationError.Invalid("audience.lists", $"There is no list {listId} in this workspace.");
            }

            conditions.Add(new ListCondition(listId, true));
        }

        foreach (var segmentId in audience?.Segments ?? [])
        {
            var filter = await sets.SegmentFilterAsync(segmentId, cancellationToken);
            if (filter.Error is { } error)
            {
                return error.Kind == ErrorKind.NotFound ? OperationError.Invalid("audience.segments", $"There is no segment {segmentId} in this workspace.") : error;
            }

            conditions.Add(filter.Value!);
        }

        if (conditions.Count == 0)
        {
            return OperationError.Invalid("audience", "Choose the audience: {\"lists\":[…],\"segments\":[…]} with at least one list or segment.");
        }

        return new Outcome<Expression<Func<Contact, bool>>>(new AnyCondition(conditions).ToPredicate(db, clock.GetUtcNow().UtcDateTime), null);
    }

    private static Outcome<(int? Start, int? End, string TimeZone)> Schedule(CampaignSchedule? schedule)
    {
        var zone = string.IsNullOrWhiteSpace(schedule?.TimeZone) ? DefaultTimeZone : schedule.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            return OperationError.Invalid("schedule.timeZone", $"'{zone}' is not a time zone; use an IANA name such as Europe/Berlin.");
        }

        if (schedule?.SendFrom is null && schedule?.SendUntil is null)
        {
            return new Outcome<(int?, int?, string)>((null, null, zone), null);
        }

        if (!TimeOnly.TryParseExact(schedule.SendFrom, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(schedule.SendUntil, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var until) || from == until)
        {
            return OperationError.Invalid("schedule", "The daily window is sendFrom and sendUntil as HH:mm in the customer's time zone, e.g. \"09:00\" and \"20:00\" (both, and different).");
        }

        return new Outcome<(int?, int?, string)>((from.Hour * 60 + from.Minute, until.Hour * 60 + until.Minute, zone), null);
    }

    /// <summary>Reads each number's messaging limit from WhatsApp when the stored one is older than an hour; failures keep what is known.</summary>
    private async Task RefreshLimitsAsync(List<WhatsAppNumber> numbers, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var number in numbers.Where(n => n.MessagingLimitCheckedAt is null || n.MessagingLimitCheckedAt < now.AddHours(-1)))
        {
            if (await graph.MessagingLimitAsync(number, cancellationToken) is GraphAnswered { Body: var body }
                && body["whatsapp_business_manager_messaging_limit"] is JsonValue tier && tier.TryGetValue<string>(out var limit))
            {
                number.MessagingLimit = limit;
                number.MessagingLimitCheckedAt = now;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>What planning counts while the recipient rows are made.</summary>
    private sealed class PlanTally
    {
        public int Recipients { get; set; }
        public int ToSend { get; set; }
        public Dictionary<string, int> ToSendByCountry { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the audience (with consent, sticky sender and the mapped attributes) and returns its recipient
    /// rows, made one by one as they are enumerated — each counted in <paramref name="tally"/>.
    /// </summary>
    private async Task<IEnumerable<object?[]>> PlanAsync(
        Guid campaignId, Expression<Func<Contact, bool>> audience, List<WhatsAppNumber> numbers, TemplateChoice choice, JsonObject mapping,
        List<AttributeDefinition> attributes, string purpose, string timeZone, PlanTally tally, CancellationToken cancellationToken)
    {
        // Consent is joined (one row per contact and purpose) and the sticky sender an index seek per contact,
        // inside the one query that reads the audience.
        var poolIds = numbers.Select(n => n.Id).ToList();
        var people = db.Contacts.AsNoTracking().Where(c => c.ErasedAt == null).Where(audience);
        var contacts = await (
            from c in people
            join s in db.ConsentStates.Where(s => s.Purpose == purpose) on c.Id equals s.ContactId into consent
            from s in consent.DefaultIfEmpty()
            orderby c.Id
            select new
            {
                c.Id,
                c.DisplayName,
                c.ProfileName,
                c.CustomerId,
                c.ExternalId,
                c.Phone,
                c.WaId,
                c.UserId,
                Granted = s == null ? (bool?)null : s.Granted,
                Sender = db.Conversations.Where(x => x.ContactId == c.Id && poolIds.Contains(x.WhatsAppNumberId)).OrderByDescending(x => x.LastMessageAt)
                    .Select(x => (Guid?)x.WhatsAppNumberId).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        var attributeIds = attributes.Select(a => a.Id).ToList();
        var values = new Dictionary<(Guid, Guid), ContactAttributeValue>();
        if (attributeIds.Count > 0)
        {
            var ids = people.Select(c => c.Id);
            await foreach (var value in db.ContactAttributeValues.AsNoTracking().Where(v => attributeIds.Contains(v.AttributeId) && ids.Contains(v.ContactId)).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                values[(value.ContactId, value.AttributeId)] = value;
            }
        }

        var workspaceId = workspace.RequiredWorkspaceId;
        return Rows();

        IEnumerable<object?[]> Rows()
        {
            var places = new Dictionary<string, (string? Country, string? Zone)>(StringComparer.Ordinal);
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);

            // Customers the pool has written to keep their sender; the others go to the sender with the fewest so far.
            var load = poolIds.ToDictionary(id => id, _ => 0);
            foreach (var contact in contacts)
            {
                var digits = contact.WaId ?? contact.Phone?.TrimStart('+');
                var (country, zone) = digits is null ? (null, null) : Place(places, digits);
                var numberId = contact.Sender ?? load.MinBy(l => l.Value).Key;
                load[numberId]++;

                string? reason = null;
                string? rendered = null;
                if (digits is null && contact.UserId is null)
                {
                    reason = CampaignRecipient.InvalidNumber;
                }
                else if (ConsentPolicy.Check(purpose, contact.Granted, windowOpen: false) is { } refusal)
                {
                    reason = CampaignRecipient.SkipFor(refusal);
                }
                else
                {
                    fields["contact.name"] = contact.DisplayName ?? contact.ProfileName;
                    fields["contact.customerId"] = contact.CustomerId;
                    fields["contact.externalId"] = contact.ExternalId;
                    foreach (var attribute in attributes)
                    {
                        fields[$"attr.{attribute.Key}"] = values.TryGetValue((contact.Id, attribute.Id), out var value) ? AttributeValues.ToText(value) : null;
                    }

                    var filled = TemplateRenderer.Fill(choice, mapping, fields);
                    if (filled.Missing.Count > 0)
                    {
                        reason = $"{CampaignRecipient.MissingVariable}: {string.Join(", ", filled.Missing)}";
                    }
                    else
                    {
                        rendered = JsonSerializer.Serialize(choice.Variables.ToDictionary(v => v, v => filled.Values[v]));
                    }
                }

                tally.Recipients++;
                if (reason is null)
                {
                    tally.ToSend++;
                    tally.ToSendByCountry[country ?? "??"] = tally.ToSendByCountry.GetValueOrDefault(country ?? "??") + 1;
                }

                yield return [Guid.CreateVersion7(), workspaceId, campaignId, contact.Id, numberId, reason is null ? "Pending" : "Skipped", reason, rendered, zone ?? timeZone, country];
            }
        }
    }

    /// <summary>Country and time zone of a number, looked up once per leading six digits.</summary>
    private static (string? Country, string? Zone) Place(Dictionary<string, (string?, string?)> cache, string digits)
    {
        var prefix = digits.Length > 6 ? digits[..6] : digits;
        if (cache.TryGetValue(prefix, out var place))
        {
            return place;
        }

        try
        {
            var number = PhoneNumbers.PhoneNumberUtil.GetInstance().Parse("+" + digits, null);
            var region = PhoneNumbers.PhoneNumberUtil.GetInstance().GetRegionCodeForNumber(number);
            var zones = PhoneNumbers.PhoneNumberToTimeZonesMapper.GetInstance();
            var zone = zones.GetTimeZonesForNumber(number).FirstOrDefault(z => z != zones.GetUnknownTimeZone() && TimeZoneInfo.TryFindSystemTimeZoneById(z, out _));
            place = (region is { Length: 2 } && region != "ZZ" ? region : null, zone);
        }
        catch (PhoneNumbers.NumberParseException)
        {
            place = (null, null);
        }

        cache[prefix] = place;
        return place;
    }

    /// <summary>What the recipients to send would cost by the price table (per category and country); countries without a price are named.</summary>
    private JsonObject Estimate(PlanTally tally, string category)
    {
        var prices = options.Value.Prices.GetValueOrDefault(category.ToUpperInvariant()) ?? [];
        var byCountry = new JsonArray();
        var unpriced = new JsonArray();
        decimal total = 0;
        foreach (var (country, count) in tally.ToSendByCountry.OrderByDescending(c => c.Value))
        {
            if (prices.TryGetValue(country, out var price) || prices.TryGetValue("*", out price))
            {
                total += price * count;
                byCountry.Add(new JsonObject { ["country"] = country, ["recipients"] = count, ["price"] = price, ["cost"] = price * count });
            }
            else
            {
                unpriced.Add(new JsonObject { ["country"] = country, ["recipients"] = count });
            }
        }

        return new JsonObject { ["currency"] = options.Value.Currency, ["category"] = category, ["total"] = total, ["byCountry"] = byCountry, ["unpriced"] = unpriced };
    }
}
