using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Parley.Sandbox;

/// <summary>
/// A message template of a sandbox WABA as Meta keeps it. Immutable: every change (review, edit)
/// replaces the whole record in <see cref="SandboxTemplates"/>.
/// </summary>
public sealed partial record SandboxTemplate
{
    public required string Id { get; init; }

    public required string WabaId { get; init; }

    public required string Name { get; init; }

    public required string Language { get; init; }

    public required string Category { get; init; }

    public required string Status { get; init; }

    /// <summary><c>parameter_format: NAMED</c> ({{first_name}}) rather than positional ({{1}}).</summary>
    public required bool Named { get; init; }

    /// <summary>The components as created (HEADER, BODY, FOOTER, BUTTONS); never changed, views get a copy.</summary>
    public required JsonArray Components { get; init; }

    /// <summary>When the template was edited while approved (Meta allows one such edit a day, ten in 30 days).</summary>
    [JsonIgnore]
    public IReadOnlyList<DateTimeOffset> ApprovedEdits { get; init; } = [];

    /// <summary>What the last review decides, and when; null for seeded templates.</summary>
    [JsonIgnore]
    public SandboxReview? Review { get; init; }

    public string Body => Components.OfType<JsonObject>()
        .FirstOrDefault(c => string.Equals(SandboxGraphApi.Text(c, "type"), "BODY", StringComparison.OrdinalIgnoreCase)) is { } body
        ? SandboxGraphApi.Text(body, "text") ?? ""
        : "";

    /// <summary>The body's placeholders in order: {{1}}, {{2}} … or {{first_name}} ….</summary>
    public IReadOnlyList<string> Parameters => Variables(Body);

    public static IReadOnlyList<string> Variables(string text) => [.. Placeholder().Matches(text).Select(m => m.Groups[1].Value)];

    /// <summary>A seeded, approved template with just a body.</summary>
    internal static SandboxTemplate Seed(string id, string name, string language, string category, string body, bool named) => new()
    {
        Id = id,
        WabaId = SandboxState.WabaId,
        Name = name,
        Language = language,
        Category = category,
        Status = "APPROVED",
        Named = named,
        Components = [new JsonObject { ["type"] = "BODY", ["text"] = body }],
    };

    [GeneratedRegex(@"\{\{\s*([a-z0-9_]+)\s*\}\}")]
    internal static partial Regex Placeholder();
}

/// <summary>The outcome a pending review reaches at <paramref name="Due"/> (the injected clock's time, so tests decide when).</summary>
public sealed record SandboxReview(DateTimeOffset Due, string Outcome, string Reason, string? RejectionReason = null, string? Recommendation = null);

/// <summary>
/// Every sandbox WABA's message templates, seeded with a few approved ones. A pending template turns
/// into its review outcome when the review is due; reads see that without a timer.
/// </summary>
public sealed class SandboxTemplates(TimeProvider clock)
{
    /// <summary>How long the name and language of a deleted approved template stay blocked.</summary>
    public static readonly TimeSpan NameBlockedAfterDelete = TimeSpan.FromDays(30);

    private readonly Lock gate = new();
    private readonly HashSet<string> issued = ["300000000000001", "300000000000002", "300000000000003", "300000000000004", "300000000000005"];
    private readonly Dictionary<(string WabaId, string Name, string Language), DateTimeOffset> deletedApproved = [];
    private readonly List<SandboxTemplate> templates =
    [
        SandboxTemplate.Seed("300000000000001", "hello_world", "en_US", "UTILITY", "Hello World", false),
        SandboxTemplate.Seed("300000000000002", "appointment_reminder", "de", "UTILITY", "Hallo {{1}}, wir erinnern Sie an Ihren Termin am {{2}}.", false),
        SandboxTemplate.Seed("300000000000003", "order_update", "en_US", "UTILITY", "Hi {{first_name}}, your order {{order_number}} is on its way.", true),
        SandboxTemplate.Seed("300000000000004", "spring_offer", "de", "MARKETING", "Frühlingsangebot für {{1}}: 20 % auf alles bis Sonntag.", false),
        SandboxTemplate.Seed("300000000000005", "car_ready", "de", "UTILITY", "Guten Tag {{1}}, Ihr Fahrzeug {{2}} ist fertig und kann abgeholt werden.", false),
    ];

    public SandboxTemplate? Find(string name, string language)
    {
        lock (gate)
        {
            Settle();
            return templates.FirstOrDefault(t => t.Name == name && t.Language == language);
        }
    }

    public SandboxTemplate? Get(string id)
    {
        lock (gate)
        {
            Settle();
            return templates.FirstOrDefault(t => t.Id == id);
        }
    }

    /// <summary>Whether the id was ever a template's (deleted ones included: they are unknown objects now, not media).</summary>
    public bool Issued(string id)
    {
        lock (gate)
        {
            return issued.Contains(id);
        }
    }

    public IReadOnlyList<SandboxTemplate> All(string? wabaId = null)
    {
        lock (gate)
        {
            Settle();
            return [.. templates.Where(t => wabaId is null || t.WabaId == wabaId)];
        }
    }

    /// <summary>Adds a template unless its WABA has one with that name in that language, or deleted an approved one lately.</summary>
    public SandboxTemplateConflict TryAdd(SandboxTemplate template)
    {
        lock (gate)
        {
            if (templates.Any(t => t.WabaId == template.WabaId && t.Name == template.Name && t.Language == template.Language))
            {
                return SandboxTemplateConflict.Exists;
            }

            if (deletedApproved.TryGetValue((template.WabaId, template.Name, template.Language), out var deleted) && clock.GetUtcNow() - deleted < NameBlockedAfterDelete)
            {
                return SandboxTemplateConflict.BeingDeleted;
            }

            templates.Add(template);
            issued.Add(template.Id);
            return SandboxTemplateConflict.None;
        }
    }

    public void Replace(SandboxTemplate template)
    {
        lock (gate)
        {
            var index = templates.FindIndex(t => t.Id == template.Id);
            if (index >= 0)
            {
                templates[index] = template;
            }
        }
    }

    /// <summary>Deletes all languages of a name, or only the one with <paramref name="id"/>; returns how many went.</summary>
    public int Delete(string wabaId, string name, string? id)
    {
        lock (gate)
        {
            Settle();
            foreach (var approved in templates.Where(t => t.WabaId == wabaId && t.Name == name && (id is null || t.Id == id) && t.Status == "APPROVED"))
            {
                deletedApproved[(approved.WabaId, approved.Name, approved.Language)] = clock.GetUtcNow();
            }

            return templates.RemoveAll(t => t.WabaId == wabaId && t.Name == name && (id is null || t.Id == id));
        }
    }

    /// <summary>A new id in Meta's style: 16 digits.</summary>
    public static string NewId() =>
        "1" + RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture)
            + RandomNumberGenerator.GetInt32(0, 10_000_000).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);

    public DateTimeOffset ReviewDue(TimeSpan delay) => clock.GetUtcNow() + delay;

    private void Settle()
    {
        var now = clock.GetUtcNow();
        for (var i = 0; i < templates.Count; i++)
        {
            if (templates[i] is { Status: "PENDING", Review: { } review } && review.Due <= now)
            {
                templates[i] = templates[i] with { Status = review.Outcome };
            }
        }
    }
}

/// <summary>Why a new template could not be added.</summary>
public enum SandboxTemplateConflict
{
    None,
    Exists,
    BeingDeleted,
}
