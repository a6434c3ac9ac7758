using System.Globalization;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>How the columns of a file map to contact fields: given by the caller, or guessed from the header.</summary>
public static class ImportMapping
{
    private static readonly Dictionary<string, string> Guesses = new(StringComparer.OrdinalIgnoreCase)
    {
        ["phone"] = "phone",
        ["phonenumber"] = "phone",
        ["telefon"] = "phone",
        ["telefonnummer"] = "phone",
        ["mobile"] = "phone",
        ["handy"] = "phone",
        ["mobil"] = "phone",
        ["waid"] = "waId",
        ["whatsappid"] = "waId",
        ["customerid"] = "customerId",
        ["kundenid"] = "customerId",
        ["externalid"] = "externalId",
        ["crmid"] = "externalId",
        ["name"] = "displayName",
        ["displayname"] = "displayName",
        ["labels"] = "labels",
        ["label"] = "labels",
        ["consentsource"] = "consentSource",
        ["consentwording"] = "consentWording",
        ["consentat"] = "consentAt",
        ["ignore"] = "ignore",
    };

    /// <summary>Column → target; unknown columns and bad targets become file-level problems (row 1, the header).</summary>
    public static Dictionary<string, string> Resolve(string[] header, IReadOnlyDictionary<string, string>? given, Dictionary<string, AttributeDefinition> attributes, List<ImportProblem> problems)
    {
        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        if (given is not null)
        {
            foreach (var column in given.Keys.Where(k => !header.Contains(k, StringComparer.Ordinal)))
            {
                problems.Add(new ImportProblem(1, column, "The mapping names a column the file does not have."));
            }
        }

        foreach (var column in header)
        {
            var target = given?.GetValueOrDefault(column) ?? Guess(column, attributes);
            if (target is null)
            {
                problems.Add(new ImportProblem(1, column, "Unknown column: no contact field or attribute has this name. Map it to a field or attribute, define the attribute, or ignore the column."));
                continue;
            }

            if (target.StartsWith("attribute:", StringComparison.Ordinal) && !attributes.ContainsKey(target["attribute:".Length..]))
            {
                problems.Add(new ImportProblem(1, column, $"Unknown attribute '{target["attribute:".Length..]}'; define it first."));
                continue;
            }

            if (!target.StartsWith("attribute:", StringComparison.Ordinal) && !ContactImport.Fields.Contains(target)
                && !(target.StartsWith("consent:", StringComparison.Ordinal) && target.Length > "consent:".Length))
            {
                problems.Add(new ImportProblem(1, column, $"'{target}' is not something a column can map to: use one of {string.Join(", ", ContactImport.Fields)}, attribute:<key> or consent:<purpose>."));
                continue;
            }

            if (target != "ignore" && mapping.ContainsValue(target))
            {
                problems.Add(new ImportProblem(1, column, $"Two columns map to '{target}'."));
                continue;
            }

            mapping[column] = target;
        }

        if (!problems.Any(p => p.Row is null or 1) && !mapping.Values.Any(t => t is "phone" or "waId" or "customerId" or "externalId"))
        {
            problems.Add(new ImportProblem(1, null, "No column identifies the contacts: map one to phone, waId, customerId or externalId."));
        }

        var consents = mapping.Values.Any(t => t.StartsWith("consent:", StringComparison.Ordinal));
        if (!problems.Any(p => p.Row is null or 1) && consents && (!mapping.ContainsValue("consentSource") || !mapping.ContainsValue("consentWording")))
        {
            problems.Add(new ImportProblem(1, null, "Consent columns need a consentSource and a consentWording column: a consent record without source or wording is refused."));
        }

        return mapping;
    }

    private static string? Guess(string column, Dictionary<string, AttributeDefinition> attributes)
    {
        if (attributes.ContainsKey(column))
        {
            return "attribute:" + column;
        }

        var squashed = new string([.. column.Where(char.IsLetterOrDigit)]);
        if (Guesses.TryGetValue(squashed, out var field))
        {
            return field;
        }

        return squashed.StartsWith("consent", StringComparison.OrdinalIgnoreCase) && squashed.Length > "consent".Length
            ? "consent:" + squashed["consent".Length..].ToLowerInvariant()
            : null;
    }
}

/// <summary>One line of an import, checked: its identifiers, fields, attribute values and labels, or its problems.</summary>
internal sealed class ImportRow
{
    private readonly Dictionary<string, string> columns = [];
    private string? displayName;
    private bool hasDisplayName;

    public int Line { get; private init; }
    public bool Valid { get; private set; } = true;
    public string? Phone { get; private set; }
    public string? WaId { get; private set; }
    public string? CustomerId { get; private set; }
    public string? ExternalId { get; private set; }
    public Dictionary<AttributeDefinition, TypedValue?> Values { get; } = [];
    public List<Guid> Labels { get; } = [];

    /// <summary>The consent this row states, per purpose (true = granted), with where and when it was given.</summary>
    public List<(string Purpose, bool Granted)> Consents { get; } = [];
    public string? ConsentSource { get; private set; }
    public string? ConsentWording { get; private set; }
    public DateTime? ConsentAt { get; private set; }
    public Contact? Match { get; set; }

    public string? Column(string target) => columns.GetValueOrDefault(target);

    public void Reject(List<ImportProblem> problems, string? column, string message)
    {
        Valid = false;
        problems.Add(new ImportProblem(Line, column, message));
    }

    /// <summary>The identifiers that make two rows the same contact.</summary>
    public IEnumerable<string> Keys()
    {
        if (CustomerId is not null)
        {
            yield return "c:" + CustomerId;
        }

        if (ExternalId is not null)
        {
            yield return "e:" + ExternalId;
        }

        if (WaId is not null)
        {
            yield return "w:" + WaId;
        }
    }

    public static ImportRow Read(int line, string[] header, string[] fields, Dictionary<string, string> mapping,
        Dictionary<string, AttributeDefinition> attributes, Dictionary<string, Guid> labels, string region, List<ImportProblem> problems)
    {
        var row = new ImportRow { Line = line };
        var consents = new List<string>();
        for (var i = 0; i < header.Length; i++)
        {
            if (!mapping.TryGetValue(header[i], out var target) || target == "ignore")
            {
                continue;
            }

            var column = header[i];
            row.columns[target] = column;
            var cell = fields[i].Trim();
            switch (target)
            {
                case "phone" when cell.Length > 0:
                    row.Phone = Phones.Normalise(cell, region);
                    if (row.Phone is null)
                    {
                        row.Reject(problems, column, "Not a valid phone number.");
                    }

                    break;
                case "waId" when cell.Length > 0:
                    if (Phones.FromWaId(cell) is null)
                    {
                        row.Reject(problems, column, "Not a valid WhatsApp id (the phone number's digits with country code).");
                    }

                    row.WaId = cell;
                    break;
                case "customerId" when cell.Length > 0:
                    row.CustomerId = CustomerIds.Normalise(cell);
                    if (row.CustomerId is null)
                    {
                        row.Reject(problems, column, "Not a customer ID (C- and six characters).");
                    }

                    break;
                case "externalId" when cell.Length > 0:
                    if (cell.Length > ContactBook.MaxNameLength)
                    {
                        row.Reject(problems, column, "An external id has at most 200 characters.");
                    }

                    row.ExternalId = cell;
                    break;
                case "displayName":
                    if (cell.Length > ContactBook.MaxNameLength)
                    {
                        row.Reject(problems, column, "A name has at most 200 characters.");
                    }

                    (row.displayName, row.hasDisplayName) = (cell.Length == 0 ? null : cell, cell.Length > 0);
                    break;
                case "labels":
                    foreach (var name in cell.Split([';', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (labels.TryGetValue(name, out var labelId))
                        {
                            row.Labels.Add(labelId);
                        }
                        else
                        {
                            row.Reject(problems, column, $"There is no label '{name}'; create it first.");
                        }
                    }

                    break;
                case "consentSource":
                    row.ConsentSource = cell;
                    break;
                case "consentWording":
                    row.ConsentWording = cell;
                    break;
                case "consentAt" when cell.Length > 0:
                    if (DateTime.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
                    {
                        row.ConsentAt = at;
                    }
                    else
                    {
                        row.Reject(problems, column, "Not a time; write it as 2026-01-31T12:00:00Z.");
                    }

                    break;
                case var consent when consent.StartsWith("consent:", StringComparison.Ordinal) && cell.Length > 0:
                    bool? granted = cell.ToLowerInvariant() switch
                    {
                        "granted" or "yes" or "ja" or "true" => true,
                        "withdrawn" or "no" or "nein" or "false" => false,
                        _ => null,
                    };
                    if (granted is { } given)
                    {
                        row.Consents.Add((consent["consent:".Length..], given));
                    }
                    else
                    {
                        row.Reject(problems, column, "A consent cell is granted or withdrawn (or empty).");
                    }

                    consents.Add(column);
                    break;
                case var attribute when attribute.StartsWith("attribute:", StringComparison.Ordinal):
                    var definition = attributes[attribute["attribute:".Length..]];
                    if (cell.Length == 0)
                    {
                        break; // an empty cell leaves the value as it is
                    }

                    var value = AttributeValues.FromText(definition, fields[i]);
                    if (value.Error is { } error)
                    {
                        row.Reject(problems, column, error.Message);
                    }
                    else
                    {
                        row.Values[definition] = value.Value;
                    }

                    break;
            }
        }

        if (row.Phone is not null)
        {
            if (row.WaId is not null && row.WaId != Phones.WaIdOf(row.Phone))
            {
                row.Reject(problems, row.Column("waId"), "The WhatsApp id is not the phone number's digits.");
            }

            row.WaId = Phones.WaIdOf(row.Phone);
        }

        if (consents.Count > 0 && (string.IsNullOrEmpty(row.ConsentSource) || string.IsNullOrEmpty(row.ConsentWording)))
        {
            row.Reject(problems, consents[0], "Consent needs its source and wording in this row.");
        }

        if (row.Valid && row.Phone is null && row.WaId is null && row.CustomerId is null && row.ExternalId is null)
        {
            row.Reject(problems, null, "This row has no phone number, WhatsApp id, customer ID or external id.");
        }

        return row;
    }

    /// <summary>Writes the row's fields into the contact; true when something changed.</summary>
    public bool ApplyTo(Contact contact)
    {
        var before = (contact.Phone, contact.WaId, contact.ExternalId, contact.DisplayName);
        if (WaId is not null)
        {
            contact.WaId = WaId;
            contact.Phone = Phone ?? Phones.FromWaId(WaId) ?? contact.Phone;
        }

        contact.ExternalId = ExternalId ?? contact.ExternalId;
        if (hasDisplayName)
        {
            contact.DisplayName = displayName;
        }

        return before != (contact.Phone, contact.WaId, contact.ExternalId, contact.DisplayName);
    }
}
