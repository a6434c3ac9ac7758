using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Parley.Sandbox;

public sealed record SandboxNumber(string PhoneNumberId, string WabaId, string DisplayPhoneNumber, string AccessToken, string VerifiedName);

/// <summary>A simulated customer phone.</summary>
public sealed class SandboxCustomer
{
    public required string WaId { get; init; }
    public string Name { get; set; } = "Sandbox Customer";
    public bool HasWhatsApp { get; set; } = true;
    public bool MarketingStopped { get; set; }

    /// <summary>When this customer last wrote to each business number (opens the 24-hour window).</summary>
    public Dictionary<string, DateTime> LastInbound { get; } = [];
}

/// <summary>A message as the customer's phone sees it: what the business sent, or what the customer sent.</summary>
public sealed class SandboxMessage
{
    public required string Id { get; init; }
    public required string PhoneNumberId { get; init; }
    public required string CustomerWaId { get; init; }
    public required string Direction { get; init; }
    public required string Type { get; init; }
    public required JsonObject Payload { get; init; }
    public required DateTime At { get; init; }
    public string Status { get; set; } = "accepted";
    public int? ErrorCode { get; set; }
    public string? CallbackData { get; init; }
}

/// <summary>
/// Everything the emulator knows, in memory. Numbers are derived from configuration, so they are the
/// same after a restart (Parley keeps working with them); customers and messages start empty.
/// </summary>
public sealed class SandboxState(IOptions<SandboxOptions> options, TimeProvider clock)
{
    /// <summary>The one WhatsApp Business Account all sandbox numbers belong to.</summary>
    public const string WabaId = "200000000000001";

    private readonly Lock gate = new();
    private readonly Dictionary<string, SandboxCustomer> customers = [];
    private readonly List<SandboxMessage> messages = [];

    public IReadOnlyList<SandboxNumber> Numbers { get; } = [.. Enumerable.Range(1, Math.Max(1, options.Value.Numbers)).Select(i => new SandboxNumber(
        PhoneNumberId: $"10000000000000{i}",
        WabaId: WabaId,
        DisplayPhoneNumber: $"+49 30 5550 00{i:00}",
        AccessToken: $"SANDBOX.{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{options.Value.AppSecret}/{i}")))[..32]}",
        VerifiedName: i == 1 ? "Parley Demo" : $"Parley Demo {i}"))];

    public TimeProvider Clock => clock;

    public string MessagingLimit { get; } = options.Value.MessagingLimit;

    public SandboxNumber? Number(string phoneNumberId) => Numbers.FirstOrDefault(n => n.PhoneNumberId == phoneNumberId);

    /// <summary>A customer by WhatsApp id, created on first contact. Numbers starting with 999 have no WhatsApp.</summary>
    public SandboxCustomer Customer(string waId, string? name = null)
    {
        lock (gate)
        {
            if (!customers.TryGetValue(waId, out var customer))
            {
                customer = new SandboxCustomer { WaId = waId, HasWhatsApp = !waId.StartsWith("999", StringComparison.Ordinal) };
                customers[waId] = customer;
            }

            if (!string.IsNullOrWhiteSpace(name))
            {
                customer.Name = name;
            }

            return customer;
        }
    }

    public IReadOnlyList<SandboxCustomer> Customers()
    {
        lock (gate)
        {
            return [.. customers.Values.OrderBy(c => c.WaId, StringComparer.Ordinal)];
        }
    }

    public void Add(SandboxMessage message)
    {
        lock (gate)
        {
            messages.Add(message);
        }
    }

    public SandboxMessage? Message(string id)
    {
        lock (gate)
        {
            return messages.FirstOrDefault(m => m.Id == id);
        }
    }

    /// <summary>The messages with one customer, or (without <paramref name="waId"/>) with every customer.</summary>
    public IReadOnlyList<SandboxMessage> Conversation(string? waId, string? direction = null)
    {
        lock (gate)
        {
            return [.. messages.Where(m => (waId is null || m.CustomerWaId == waId) && (direction is null || m.Direction == direction))];
        }
    }

    public void SetStatus(SandboxMessage message, string status, int? errorCode = null)
    {
        lock (gate)
        {
            message.Status = status;
            message.ErrorCode = errorCode;
        }
    }

    public static string NewWamid() => "wamid." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
}
