using System.Text.RegularExpressions;

namespace Parley.Sandbox;

public sealed record SandboxTemplate(string Name, string Language, string Category, string Status, string Body, bool Named)
{
    /// <summary>The body's placeholders in order: {{1}}, {{2}} … or {{first_name}} ….</summary>
    public IReadOnlyList<string> Parameters { get; } = [.. Regex.Matches(Body, @"\{\{\s*([a-z0-9_]+)\s*\}\}").Select(m => m.Groups[1].Value)];
}

/// <summary>The approved templates every sandbox WABA starts with.</summary>
public sealed class SandboxTemplates
{
    private readonly Lock gate = new();
    private readonly List<SandboxTemplate> templates =
    [
        new("hello_world", "en_US", "UTILITY", "APPROVED", "Hello World", false),
        new("appointment_reminder", "de", "UTILITY", "APPROVED", "Hallo {{1}}, wir erinnern Sie an Ihren Termin am {{2}}.", false),
        new("order_update", "en_US", "UTILITY", "APPROVED", "Hi {{first_name}}, your order {{order_number}} is on its way.", true),
        new("spring_offer", "de", "MARKETING", "APPROVED", "Frühlingsangebot für {{1}}: 20 % auf alles bis Sonntag.", false),
        new("car_ready", "de", "UTILITY", "APPROVED", "Guten Tag {{1}}, Ihr Fahrzeug {{2}} ist fertig und kann abgeholt werden.", false),
    ];

    public SandboxTemplate? Find(string name, string language)
    {
        lock (gate)
        {
            return templates.FirstOrDefault(t => t.Name == name && t.Language == language);
        }
    }

    public IReadOnlyList<SandboxTemplate> All()
    {
        lock (gate)
        {
            return [.. templates];
        }
    }
}
