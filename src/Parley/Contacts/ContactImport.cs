using System.Text;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Parley.Consent;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>One problem of an import: the file's line (the header is line 1) and column, when it has them.</summary>
public sealed record ImportProblem(int? Row, string? Column, string Message);

public sealed record ImportReport(
    bool DryRun, bool Strict, bool Applied, int Rows, int Created, int Updated, int Unchanged, int Rejected,
    IReadOnlyDictionary<string, string> Mapping, IReadOnlyList<ImportProblem> Problems, IReadOnlyList<string> Notes);

public sealed record ImportOptions(bool DryRun, bool Strict, string? Region, IReadOnlyDictionary<string, string>? Mapping);

/// <summary>
/// CSV import of contacts. The file must be UTF-8; its header names the columns, and each column maps
/// to a contact field (<c>phone</c>, <c>waId</c>, <c>customerId</c>, <c>externalId</c>, <c>displayName</c>,
/// <c>labels</c>), an attribute (<c>attribute:key</c>), consent evidence (<c>consent:purpose</c>,
/// <c>consentSource</c>, <c>consentWording</c>, <c>consentAt</c>) or <c>ignore</c> — given, or guessed from the
/// header. Rows are matched to existing contacts by customer ID, external id, then phone, so importing
/// the same file again changes nothing. Every problem is reported by row and column; a row with a
/// problem is never applied, and in strict mode no row is applied while any problem remains.
/// Everything that is applied is applied in one transaction.
/// </summary>
public sealed class ContactImport(
    ParleyDb db, WorkspaceContext workspace, ContactBook book, ConsentLedger ledger, Objections objections, AuditLog audit, WriteGate gate, TimeProvider clock)
{
    public const int MaxBytes = 64 * 1024 * 1024;
    private const int Chunk = 1000;

    public static readonly IReadOnlyList<string> Fields = ["phone", "waId", "customerId", "externalId", "displayName", "labels", "consentSource", "consentWording", "consentAt", "ignore"];

    public async Task<ImportReport> RunAsync(byte[] bytes, ImportOptions options, CancellationToken cancellationToken)
    {
        var problems = new List<ImportProblem>();
        var notes = new List<string>();
        var empty = new Dictionary<string, string>();
        if (!IsUtf8(bytes, problems))
        {
            return Report(options, false, 0, 0, 0, 0, 0, empty, problems, notes);
        }

        if (bytes.Length > MaxBytes)
        {
            problems.Add(new ImportProblem(null, null, $"A CSV file has at most {MaxBytes / 1024 / 1024} MB."));
            return Report(options, false, 0, 0, 0, 0, 0, empty, problems, notes);
        }

        var region = options.Region?.Trim().ToUpperInvariant() ?? Phones.DefaultRegion;
        if (!Phones.IsKnownRegion(region))
        {
            problems.Add(new ImportProblem(null, null, "region is a two-letter country code such as DE."));
            return Report(options, false, 0, 0, 0, 0, 0, empty, problems, notes);
        }

        var attributes = await db.AttributeDefinitions.AsNoTracking().ToDictionaryAsync(a => a.Key, cancellationToken);
        var labels = await db.Labels.AsNoTracking().ToDictionaryAsync(l => l.Name, l => l.Id, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var (header, records, broken) = Parse(bytes, problems);
        var mapping = ImportMapping.Resolve(header, options.Mapping, attributes, problems);
        var purposes = Purposes.BuiltIn.Select(p => p.Key).Concat(await db.ConsentPurposes.AsNoTracking().Select(p => p.Key).ToListAsync(cancellationToken)).ToHashSet();
        foreach (var (column, target) in mapping.Where(m => m.Value.StartsWith("consent:", StringComparison.Ordinal) && !purposes.Contains(m.Value["consent:".Length..])))
        {
            problems.Add(new ImportProblem(1, column, $"'{target["consent:".Length..]}' is not a consent purpose of this workspace: use one of {string.Join(", ", purposes.Order(StringComparer.Ordinal))}."));
        }

        // Problems of the header or the mapping concern every row: then no row is checked or applied.
        var fileProblems = problems.Any(p => p.Row is null or 1);
        var rows = new List<ImportRow>();
        if (!fileProblems)
        {
            foreach (var (line, fields) in records)
            {
                rows.Add(ImportRow.Read(line, header, fields, mapping, attributes, labels, region, problems));
            }

        }

        MarkDuplicates(rows, problems);
        foreach (var chunk in rows.Where(r => r.Valid).Chunk(Chunk))
        {
            await MatchAsync(chunk, problems, cancellationToken);
        }

        await RefuseObjectedAsync(rows, problems, cancellationToken);

        var good = rows.Where(r => r.Valid).ToList();
        var apply = !options.DryRun && !fileProblems && (!options.Strict || problems.Count == 0) && good.Count > 0;
        var (created, updated, unchanged) = (good.Count(r => r.Match is null), 0, 0);
        if (apply)
        {
            (created, updated, unchanged) = await ApplyAsync(good, cancellationToken);
            audit.Add("contacts.imported", "workspace", workspace.RequiredWorkspaceId, $"{created} created, {updated} updated, {unchanged} unchanged, {rows.Count - good.Count} rejected");
            await db.SaveChangesAsync(cancellationToken);
        }
        else
        {
            updated = good.Count - created;
        }

        problems.Sort((a, b) => (a.Row ?? 0).CompareTo(b.Row ?? 0));
        return Report(options, apply, records.Count + broken, created, updated, unchanged, rows.Count(r => !r.Valid) + broken, mapping, problems, notes);
    }

    private static ImportReport Report(ImportOptions options, bool applied, int rows, int created, int updated, int unchanged, int rejected,
        IReadOnlyDictionary<string, string> mapping, List<ImportProblem> problems, List<string> notes) =>
        new(options.DryRun, options.Strict, applied, rows, created, updated, unchanged, rejected, mapping, problems, notes);

    /// <summary>Strict UTF-8 (a byte-order mark is fine); anything else is reported with the line of the first bad byte.</summary>
    private static bool IsUtf8(byte[] bytes, List<ImportProblem> problems)
    {
        if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            problems.Add(new ImportProblem(null, null, "The file is UTF-16; save it as UTF-8 (CSV UTF-8) and upload it again."));
            return false;
        }

        try
        {
            _ = new UTF8Encoding(false, true).GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException e)
        {
            var line = 1 + bytes.AsSpan(0, Math.Clamp(e.Index, 0, bytes.Length)).Count((byte)'\n');
            problems.Add(new ImportProblem(line, null, "The file is not UTF-8 (this line has a character in another encoding, such as Windows-1252); save it as UTF-8 (CSV UTF-8) and upload it again."));
            return false;
        }
    }

    /// <summary>The header and every well-formed record with its line; broken records (quoting, field count) are reported and left out.</summary>
    private static (string[] Header, List<(int Line, string[] Fields)> Records, int Broken) Parse(byte[] bytes, List<ImportProblem> problems)
    {
        var records = new List<(int, string[])>();
        var broken = 0;
        var start = bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0;
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            IncludeValuesInExceptions = false,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = record =>
            {
                broken++;
                problems.Add(new ImportProblem((int)record.LineNumber, null, record.Reason == CsvMalformedReason.FieldCountMismatch
                    ? "This line has a different number of fields than the header."
                    : "This line is not valid CSV (a stray or unclosed quote)."));
            },
        };
        using var csv = CsvReader.Create(new ReadOnlyMemory<byte>(bytes, start, bytes.Length - start), options);
        string[] header;
        try
        {
            header = [.. csv.Headers.Select(h => h.Trim())];
        }
        catch (CsvFormatException)
        {
            header = [];
        }

        if (header.Length == 0 || header.All(h => h.Length == 0))
        {
            problems.Add(new ImportProblem(1, null, "The file has no header line naming its columns."));
            return ([], records, 0);
        }

        foreach (var duplicate in header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add(new ImportProblem(1, duplicate.Key, "Two columns have this name."));
        }

        while (csv.Read())
        {
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = csv.GetString(i) ?? "";
            }

            records.Add(((int)csv.LineNumber, fields));
        }

        return (header, records, broken);
    }

    private static void MarkDuplicates(List<ImportRow> rows, List<ImportProblem> problems)
    {
        var seen = new Dictionary<string, int>();
        foreach (var row in rows.Where(r => r.Valid))
        {
            foreach (var key in row.Keys())
            {
                if (seen.TryGetValue(key, out var first))
                {
                    row.Reject(problems, null, $"Duplicates line {first}: both rows are the same contact.");
                    break;
                }
            }

            foreach (var key in row.Keys())
            {
                seen.TryAdd(key, row.Line);
            }
        }
    }

    /// <summary>Finds each row's contact: by customer ID, else external id, else phone (or wa_id); rows that point at two contacts are rejected.</summary>
    private async Task MatchAsync(ImportRow[] rows, List<ImportProblem> problems, CancellationToken cancellationToken)
    {
        var customerIds = rows.Where(r => r.CustomerId is not null).Select(r => r.CustomerId!).ToList();
        var externalIds = rows.Where(r => r.ExternalId is not null).Select(r => r.ExternalId!).ToList();
        var waIds = rows.Where(r => r.WaId is not null).Select(r => r.WaId!).ToList();
        var phones = rows.Where(r => r.Phone is not null).Select(r => r.Phone!).ToList();
        // One query per identifier, each on its own unique index (an OR of four IN lists is planned badly).
        var found = new List<Contact>();
        if (customerIds.Count > 0)
        {
            found.AddRange(await db.Contacts.AsNoTracking().Where(c => customerIds.Contains(c.CustomerId) && c.ErasedAt == null).ToListAsync(cancellationToken));
        }

        if (externalIds.Count > 0)
        {
            found.AddRange(await db.Contacts.AsNoTracking().Where(c => c.ExternalId != null && externalIds.Contains(c.ExternalId)).ToListAsync(cancellationToken));
        }

        if (waIds.Count > 0)
        {
            found.AddRange(await db.Contacts.AsNoTracking().Where(c => c.WaId != null && waIds.Contains(c.WaId)).ToListAsync(cancellationToken));
        }

        if (phones.Count > 0)
        {
            found.AddRange(await db.Contacts.AsNoTracking().Where(c => c.Phone != null && phones.Contains(c.Phone)).ToListAsync(cancellationToken));
        }

        found = [.. found.DistinctBy(c => c.Id)];
        var byCustomer = found.ToDictionary(c => c.CustomerId);
        var byExternal = found.Where(c => c.ExternalId is not null).ToDictionary(c => c.ExternalId!);
        var byWaId = found.Where(c => c.WaId is not null).ToDictionary(c => c.WaId!);
        var byPhone = found.Where(c => c.Phone is not null).ToDictionary(c => c.Phone!);
        foreach (var row in rows)
        {
            if (row.CustomerId is not null && !byCustomer.ContainsKey(row.CustomerId))
            {
                row.Reject(problems, row.Column("customerId"), "No contact has this customer ID; customer IDs are given by Parley, leave the cell empty for a new contact.");
                continue;
            }

            var candidates = new[]
            {
                row.CustomerId is null ? null : byCustomer[row.CustomerId],
                row.ExternalId is null ? null : byExternal.GetValueOrDefault(row.ExternalId),
                row.Phone is null ? null : byPhone.GetValueOrDefault(row.Phone),
                row.WaId is null ? null : byWaId.GetValueOrDefault(row.WaId),
            }.Where(c => c is not null).DistinctBy(c => c!.Id).ToList();
            if (candidates.Count > 1)
            {
                row.Reject(problems, null, $"This row names two different contacts ({string.Join(", ", candidates.Select(c => c!.CustomerId))}); merge them first or correct the row.");
                continue;
            }

            row.Match = candidates.FirstOrDefault();
        }
    }

    /// <summary>
    /// A consent grant for a number that objected before its erasure rejects its row: only the person can opt
    /// in again, and an old list is exactly what must not.
    /// </summary>
    private async Task RefuseObjectedAsync(List<ImportRow> rows, List<ImportProblem> problems, CancellationToken cancellationToken)
    {
        var granting = rows.Where(r => r.Valid && r.Consents.Any(c => c.Granted)).ToList();
        if (granting.Count == 0)
        {
            return;
        }

        var objected = await objections.MatcherAsync(cancellationToken);
        foreach (var row in granting)
        {
            foreach (var (purpose, _) in row.Consents.Where(c => c.Granted))
            {
                if ((objected(row.Phone, row.WaId, purpose) ?? objected(row.Match?.Phone, row.Match?.WaId, purpose)) is { } at)
                {
                    row.Reject(problems, row.Column("consent:" + purpose), Objections.Message(purpose, at));
                    break;
                }
            }
        }
    }

    /// <summary>
    /// The consent columns go to the ledger (source "import", the file's line and its source column as
    /// evidence); a statement that changes nothing is not recorded again, so a re-import adds no records.
    /// </summary>
    private async Task RecordConsentAsync(List<(Guid ContactId, ImportRow Row)> rows, DateTime now, CancellationToken cancellationToken)
    {
        var changes = rows.SelectMany(r => r.Row.Consents.Select(c => new ConsentChange(
            r.ContactId, c.Purpose, c.Granted, "import", ConsentSources.Import, r.Row.ConsentWording!, r.Row.ConsentAt ?? now,
            Evidence: $"CSV import, line {r.Row.Line}: {r.Row.ConsentSource}"))).ToList();
        if (changes.Count == 0)
        {
            return;
        }

        await ledger.AppendAsync(changes, onlyIfChanged: true, cancellationToken);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private async Task<(int Created, int Updated, int Unchanged)> ApplyAsync(List<ImportRow> rows, CancellationToken cancellationToken)
    {
        var (created, updated, unchanged) = (0, 0, 0);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        using var lease = await gate.EnterAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var chunk in rows.Chunk(Chunk))
        {
            // New contacts are written set-based; existing ones go through EF, which writes only what changed.
            var fresh = new List<(Contact Contact, ImportRow Row)>();
            foreach (var row in chunk.Where(r => r.Match is null))
            {
                var contact = new Contact { WorkspaceId = workspace.RequiredWorkspaceId, CreatedAt = now, UpdatedAt = now };
                row.ApplyTo(contact);
                fresh.Add((contact, row));
            }

            await CustomerIds.EnsureUniqueAsync(db, [.. fresh.Select(f => f.Contact)], cancellationToken);
            await BulkInsert.RunAsync(db, "contacts",
                ["id", "workspace_id", "customer_id", "phone", "wa_id", "external_id", "display_name", "created_at", "updated_at"],
                [.. fresh.Select(f => new object?[] { f.Contact.Id, f.Contact.WorkspaceId, f.Contact.CustomerId, f.Contact.Phone, f.Contact.WaId, f.Contact.ExternalId, f.Contact.DisplayName, now, now })],
                cancellationToken);
            await BulkInsert.RunAsync(db, "contact_attribute_values",
                ["contact_id", "attribute_id", "workspace_id", "text_value", "number_value", "date_value", "bool_value"],
                [.. fresh.SelectMany(f => f.Row.Values.Where(v => v.Value is not null).Select(v => new object?[]
                    { f.Contact.Id, v.Key.Id, f.Contact.WorkspaceId, v.Value!.Text, v.Value.Number, v.Value.Date, v.Value.Bool }))],
                cancellationToken);
            await BulkInsert.RunAsync(db, "contact_labels", ["contact_id", "label_id", "workspace_id"],
                [.. fresh.SelectMany(f => f.Row.Labels.Distinct().Select(l => new object?[] { f.Contact.Id, l, f.Contact.WorkspaceId }))],
                cancellationToken);
            created += fresh.Count;
            await RecordConsentAsync([.. fresh.Select(f => (f.Contact.Id, f.Row)), .. chunk.Where(r => r.Match is not null).Select(r => (r.Match!.Id, r))], now, cancellationToken);

            var matched = chunk.Where(r => r.Match is not null).ToList();
            if (matched.Count == 0)
            {
                continue;
            }

            var matchedIds = matched.Select(r => r.Match!.Id).ToList();
            var contacts = await db.Contacts.Where(c => matchedIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);
            var values = (await db.ContactAttributeValues.Where(v => matchedIds.Contains(v.ContactId)).ToListAsync(cancellationToken))
                .ToDictionary(v => (v.ContactId, v.AttributeId));
            var labels = (await db.ContactLabels.AsNoTracking().Where(l => matchedIds.Contains(l.ContactId)).ToListAsync(cancellationToken))
                .Select(l => (l.ContactId, l.LabelId)).ToHashSet();
            foreach (var row in matched)
            {
                var contact = contacts[row.Match!.Id];
                var changed = row.ApplyTo(contact);
                foreach (var (attribute, value) in row.Values)
                {
                    var stored = values.GetValueOrDefault((contact.Id, attribute.Id));
                    if (value is null ? stored is null : stored is not null && value.SameAs(stored))
                    {
                        continue;
                    }

                    book.SetValue(contact, attribute.Id, value, stored);
                    if (stored is not null)
                    {
                        db.Entry(stored).State = value is null ? EntityState.Deleted : EntityState.Modified;
                    }

                    changed = true;
                }

                foreach (var labelId in row.Labels.Distinct().Where(l => !labels.Contains((contact.Id, l))))
                {
                    db.ContactLabels.Add(new ContactLabel { ContactId = contact.Id, LabelId = labelId, WorkspaceId = contact.WorkspaceId });
                    changed = true;
                }

                if (changed)
                {
                    contact.UpdatedAt = now;
                    db.Entry(contact).State = EntityState.Modified;
                    updated++;
                }
                else
                {
                    unchanged++;
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        db.ChangeTracker.AutoDetectChangesEnabled = true;
        await transaction.CommitAsync(cancellationToken);
        return (created, updated, unchanged);
    }
}
