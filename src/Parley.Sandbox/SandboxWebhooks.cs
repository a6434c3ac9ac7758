using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Parley.Sandbox;

/// <summary>
/// Sends webhooks to the business the way Meta does: signed over the exact bytes, those due at the same
/// moment batched into one POST, retried with exponential backoff while the receiver is down, and — when
/// chaos is switched on — sometimes twice, late (overtaking later ones) or never.
/// </summary>
public sealed partial class SandboxWebhooks(
    IHttpClientFactory clients, IOptions<SandboxOptions> options, SandboxTarget target, TimeProvider clock, ILogger<SandboxWebhooks> logger) : BackgroundService
{
    public const string HttpClientName = "sandbox-webhooks";

    private readonly PriorityQueue<Delivery, long> queue = new();
    private readonly SemaphoreSlim signal = new(0);
    private readonly Lock gate = new();

    private static readonly byte[] Head = """{"object":"whatsapp_business_account","entry":["""u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();

    /// <summary>One POST's entries as JSON: the items of its envelope's entry list, comma-separated.</summary>
    private sealed record Delivery(byte[] Entries, DateTime FirstTried, int Attempt, Action? OnDue);

    public int Pending
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>
    /// Queues one webhook (a whole <c>whatsapp_business_account</c> envelope) after <paramref name="delay"/>.
    /// Its entries are written once, as Meta writes JSON; webhooks that fall due together are joined by them.
    /// </summary>
    public void Send(JsonObject envelope, TimeSpan delay = default, Action? onDue = null)
    {
        var chaos = options.Value;
        if (Random.Shared.NextDouble() < chaos.DropRate)
        {
            return;
        }

        if (Random.Shared.NextDouble() < chaos.ReorderRate)
        {
            delay += TimeSpan.FromMilliseconds(Random.Shared.Next(200, 1500));
        }

        var list = MetaJson.Serialize(envelope["entry"]!);
        var entries = list[1..^1]; // without the list's brackets
        Enqueue(new Delivery(entries, clock.GetUtcNow().UtcDateTime, 0, onDue), delay);
        if (Random.Shared.NextDouble() < chaos.DuplicateRate)
        {
            Enqueue(new Delivery(entries, clock.GetUtcNow().UtcDateTime, 0, null), delay + TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Builds the envelope Meta sends for one change of one business number.</summary>
    public static JsonObject Envelope(SandboxNumber number, string field, JsonObject value)
    {
        if (field == "messages")
        {
            value["messaging_product"] = "whatsapp";
            value["metadata"] = new JsonObject
            {
                ["display_phone_number"] = new string(number.DisplayPhoneNumber.Where(char.IsAsciiDigit).ToArray()),
                ["phone_number_id"] = number.PhoneNumberId,
            };
        }

        return new JsonObject
        {
            ["object"] = "whatsapp_business_account",
            ["entry"] = new JsonArray(new JsonObject
            {
                ["id"] = number.WabaId,
                ["changes"] = new JsonArray(new JsonObject { ["value"] = value, ["field"] = field }),
            }),
        };
    }

    private void Enqueue(Delivery delivery, TimeSpan delay)
    {
        lock (gate)
        {
            // Monotonic time: webhooks go out on the machine's clock even when a test holds the calendar still.
            queue.Enqueue(delivery, clock.GetTimestamp() + (long)(delay.TotalSeconds * clock.TimestampFrequency));
        }

        signal.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = new List<Delivery>();
            TimeSpan wait = TimeSpan.FromSeconds(1);
            lock (gate)
            {
                // Everything that is due goes out together (up to WebhookBatch); a retry goes out as it was.
                var now = clock.GetTimestamp();
                while (queue.TryPeek(out var next, out var at) && at <= now && (due.Count == 0 || CanJoin(due, next)))
                {
                    due.Add(queue.Dequeue());
                }

                if (due.Count == 0 && queue.TryPeek(out _, out var first))
                {
                    var until = TimeSpan.FromSeconds((first - now) / (double)clock.TimestampFrequency);
                    wait = until < wait ? until : wait;
                }
            }

            if (due.Count == 0)
            {
                await signal.WaitAsync(wait, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }

            foreach (var delivery in due.Where(d => d.Attempt == 0))
            {
                delivery.OnDue?.Invoke();
            }

            await DeliverAsync(due.Count == 1 ? due[0] : Batch(due), stoppingToken);
        }
    }

    private bool CanJoin(List<Delivery> batch, Delivery next) =>
        batch.Count < options.Value.WebhookBatch && batch[0].Attempt == 0 && next.Attempt == 0;

    /// <summary>One envelope holding the entries of several, in the order they were due.</summary>
    private static Delivery Batch(List<Delivery> deliveries)
    {
        var entries = new MemoryStream(deliveries.Sum(d => d.Entries.Length + 1));
        foreach (var delivery in deliveries.Where(d => d.Entries.Length > 0))
        {
            if (entries.Length > 0)
            {
                entries.WriteByte((byte)',');
            }

            entries.Write(delivery.Entries);
        }

        return new Delivery(entries.ToArray(), deliveries[0].FirstTried, 0, null);
    }

    private async Task DeliverAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        var url = target.WebhookUrl();
        try
        {
            if (url is null)
            {
                throw new InvalidOperationException("No webhook URL is known yet.");
            }

            byte[] body = [.. Head, .. delivery.Entries, .. Tail];
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.AppSecret), body)));
            request.Headers.UserAgent.ParseAdd("facebookexternalua");
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            LogRejected(logger, (int)response.StatusCode, delivery.Attempt);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, delivery.Attempt, e.Message);
        }

        // Meta retries immediately, then less and less often; it gives up after 7 days (here: RetryFor).
        if (clock.GetUtcNow().UtcDateTime - delivery.FirstTried < options.Value.RetryFor)
        {
            var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, delivery.Attempt)));
            Enqueue(delivery with { Attempt = delivery.Attempt + 1 }, backoff);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox webhook answered {Status} (attempt {Attempt}); retrying")]
    private static partial void LogRejected(ILogger logger, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox webhook not delivered (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, int attempt, string reason);
}

/// <summary>Where webhooks go: the configured URL, or (mounted in Parley) Parley's own address.</summary>
public sealed class SandboxTarget(IOptions<SandboxOptions> options)
{
    private Func<string?> resolve = () => options.Value.WebhookUrl;

    public string? WebhookUrl() => resolve();

    public void Use(Func<string?> webhookUrl) => resolve = webhookUrl;
}
