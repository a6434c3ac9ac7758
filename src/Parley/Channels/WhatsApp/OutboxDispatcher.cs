using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Drains the outbox: one worker per sender number, each keeping to its number's throughput, several
/// sends in flight at once. Before a send the row is marked in flight (committed); a crash between
/// that and the answer leaves an ambiguous send, which the status webhooks reconcile through
/// <c>biz_opaque_callback_data</c> — it is never sent a second time.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes, OutboxBell bell, IOptions<WhatsAppOptions> options, TimeProvider clock, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const string OutcomeUnknown = "Outcome unknown";

    private const int InFlightPerNumber = 16;

    private readonly ConcurrentDictionary<Guid, Task> workers = new();
    private readonly ConcurrentDictionary<Guid, Pacer> pacers = new();

    /// <summary>Sends this process is waiting on right now: still in flight, but not ambiguous.</summary>
    private readonly ConcurrentDictionary<Guid, byte> live = new();
    private long? lastExpiryCheck;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Ambiguous sends expire after WhatsApp:ReconcileWindow (minutes), so looking for them once a
                // minute is enough — or four times per window when it is shorter.
                var every = options.Value.ReconcileWindow / 4 < TimeSpan.FromMinutes(1) ? options.Value.ReconcileWindow / 4 : TimeSpan.FromMinutes(1);
                if (lastExpiryCheck is null || clock.GetElapsedTime(lastExpiryCheck.Value) >= every)
                {
                    await ExpireAmbiguousSendsAsync(stoppingToken);
                    lastExpiryCheck = clock.GetTimestamp();
                }

                foreach (var numberId in await NumbersWithDueWorkAsync(stoppingToken))
                {
                    if (!workers.TryGetValue(numberId, out var running) || running.IsCompleted)
                    {
                        workers[numberId] = DrainAsync(numberId, stoppingToken);
                    }
                }

                await bell.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogLoopFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }

        // Graceful stop: let started sends finish and record their outcome.
        await Task.WhenAll(workers.Values).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private async Task<List<Guid>> NumbersWithDueWorkAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Outbox.IgnoreQueryFilters()
            .Where(o => o.State == OutboxState.Pending && o.NextAttemptAt <= now)
            .Select(o => o.WhatsAppNumberId).Distinct().ToListAsync(cancellationToken);
    }

    private async Task DrainAsync(Guid numberId, CancellationToken cancellationToken)
    {
        var pacer = pacers.GetOrAdd(numberId, _ => new Pacer(clock));
        using var slots = new SemaphoreSlim(InFlightPerNumber);
        var sends = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                List<Guid> due;
                int throughput;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                    var now = clock.GetUtcNow().UtcDateTime;
                    var number = await db.WhatsAppNumbers.IgnoreQueryFilters().FirstAsync(n => n.Id == numberId, cancellationToken);
                    throughput = number.Throughput;
                    due = await db.Outbox.IgnoreQueryFilters()
                        .Where(o => o.WhatsAppNumberId == numberId && o.State == OutboxState.Pending && o.NextAttemptAt <= now)
                        .OrderBy(o => o.CreatedAt).ThenBy(o => o.MessageId)
                        .Select(o => o.MessageId).Take(500).ToListAsync(cancellationToken);
                }

                if (due.Count == 0)
                {
                    break;
                }

                foreach (var messageId in due)
                {
                    await slots.WaitAsync(cancellationToken);
                    await pacer.WaitAsync(throughput, cancellationToken);
                    sends.Add(SendOneAsync(messageId, slots));
                }

                await Task.WhenAll(sends);
                sends.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAll(sends);
        }
    }

    private async Task SendOneAsync(Guid messageId, SemaphoreSlim slots)
    {
        live[messageId] = 0;
        try
        {
            // Not cancellable: once handed to WhatsApp, the outcome must be recorded.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OutboxSender>().SendAsync(messageId, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogSendFailed(logger, e, messageId);
        }
        finally
        {
            live.TryRemove(messageId, out _);
            slots.Release();
        }
    }

    private async Task ExpireAmbiguousSendsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.ReconcileWindow;
        var stale = await db.Outbox.IgnoreQueryFilters()
            .Where(o => o.State == OutboxState.InFlight && o.StartedAt < cutoff)
            .OrderBy(o => o.StartedAt)
            .Take(100).ToListAsync(cancellationToken);
        foreach (var entry in stale.Where(e => !live.ContainsKey(e.MessageId)))
        {
            var message = await db.Messages.IgnoreQueryFilters().FirstAsync(m => m.Id == entry.MessageId, cancellationToken);
            entry.State = OutboxState.Failed;
            entry.LastError = "Outcome unknown: no answer and no status from WhatsApp. Not resent, to avoid a duplicate.";
            if (message.ProviderMessageId is null)
            {
                message.Status = MessageStatus.Failed;
                message.FailedAt = clock.GetUtcNow().UtcDateTime;
                message.ErrorTitle = OutcomeUnknown;
                message.ErrorDetails = entry.LastError;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox loop failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending outbox message {MessageId} failed unexpectedly")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, Guid messageId);
}

/// <summary>Wakes the dispatcher when a send is queued.</summary>
public sealed class OutboxBell : Bell;

/// <summary>Sends one outbox row and records what WhatsApp answered.</summary>
public sealed class OutboxSender(ParleyDb db, WorkspaceContext workspace, GraphClient graph, OutboundMedia media, TimeProvider clock)
{
    public async Task SendAsync(Guid messageId, CancellationToken cancellationToken)
    {
        var entry = await db.Outbox.IgnoreQueryFilters().FirstAsync(o => o.MessageId == messageId, cancellationToken);
        if (entry.State != OutboxState.Pending)
        {
            return;
        }

        workspace.Enter(entry.WorkspaceId, null, Role.Owner, Actor.System);
        var message = await db.Messages.FirstAsync(m => m.Id == messageId, cancellationToken);
        var conversation = await db.Conversations.FirstAsync(c => c.Id == message.ConversationId, cancellationToken);
        var contact = await db.Contacts.FirstAsync(c => c.Id == conversation.ContactId, cancellationToken);
        var number = await db.WhatsAppNumbers.FirstAsync(n => n.Id == entry.WhatsAppNumberId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (number.RemovedAt is not null)
        {
            Fail(entry, message, null, "The WhatsApp number was removed before the message could be sent.", now);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        entry.Attempts++;

        // A file from Parley's media store goes out as this number's WhatsApp media id; uploading it
        // first is safe to repeat, so its failures are retried or given up like a refused send.
        var content = JsonNode.Parse(message.Content)!;
        if (OutboundMedia.ParleyMediaId(message.Type, content) is { } mediaFileId && content is JsonObject file)
        {
            var prepared = await media.MediaIdForAsync(mediaFileId, number, cancellationToken);
            if (prepared is GraphUnreachable unreachable && entry.Attempts >= SendPolicy.MaxAttempts)
            {
                // Nothing was sent yet, so unlike a send this can give up: the message fails visibly.
                prepared = new GraphRefused(131053, "Media upload error", $"The file could not be uploaded to WhatsApp after {entry.Attempts} attempts: {unreachable.Reason}", 0);
            }

            if (prepared is not GraphUploaded uploaded)
            {
                Record(entry, message, prepared, clock.GetUtcNow().UtcDateTime);
                await db.SaveChangesAsync(cancellationToken);
                return;
            }

            file.Remove("mediaId");
            file["id"] = uploaded.MediaId;
        }

        entry.State = OutboxState.InFlight;
        entry.StartedAt = clock.GetUtcNow().UtcDateTime; // after any upload, which may have taken a while
        await db.SaveChangesAsync(cancellationToken);

        var result = await graph.SendMessageAsync(number, Payload(message, content, contact), cancellationToken);
        if (result is GraphAccepted accepted)
        {
            entry.State = OutboxState.Done;
            message.ProviderMessageId = accepted.MessageId;
            await db.SaveChangesAsync(cancellationToken);
            await StatusBacklog.ApplyAsync(db, message, cancellationToken);

            return;
        }

        Record(entry, message, result, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>What a refusal, or no answer, means for the row and the message.</summary>
    private static void Record(OutboxEntry entry, Message message, GraphResult result, DateTime now)
    {
        switch (result)
        {
            case GraphRefused refused when SendPolicy.Classify(refused.Code, entry.Attempts) is (SendDecision.Retry, var delay):
                entry.State = OutboxState.Pending;
                entry.NextAttemptAt = now + delay;
                entry.LastError = $"{refused.Code}: {refused.Title}";
                break;
            case GraphRefused refused:
                Fail(entry, message, refused.Code, refused.Details ?? refused.Title, now, refused.Title);
                break;
            case GraphUnreachable unreachable:
                entry.State = OutboxState.Pending;
                entry.NextAttemptAt = now + TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, entry.Attempts)));
                entry.LastError = Truncate(unreachable.Reason);
                break;
            case GraphUnknown unknown:
                // Stays in flight: a status webhook carrying our id will tell what happened.
                entry.LastError = Truncate(unknown.Reason);
                break;
        }
    }

    private static void Fail(OutboxEntry entry, Message message, int? code, string details, DateTime now, string? title = null)
    {
        entry.State = OutboxState.Failed;
        entry.LastError = Truncate(details);
        message.Status = MessageStatus.Failed;
        message.FailedAt = now;
        message.ErrorCode = code;
        message.ErrorTitle = Truncate(title ?? details, 200);
        message.ErrorDetails = Truncate(details);
    }

    /// <summary>The Cloud API request for a stored message, with its content as it goes out (a stored file replaced by its WhatsApp media id); our message id rides along for reconciliation.</summary>
    public static JsonObject Payload(Message message, JsonNode content, Contact contact)
    {
        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["type"] = message.Type,
            [message.Type] = content,
            ["biz_opaque_callback_data"] = message.Id.ToString(),
        };
        if (contact.WaId is not null)
        {
            payload["to"] = contact.WaId;
        }
        else
        {
            payload["recipient"] = contact.UserId;
        }

        if (message.ContextMessageId is not null && message.Type != "reaction")
        {
            payload["context"] = new JsonObject { ["message_id"] = message.ContextMessageId };
        }

        return payload;
    }

    private static string Truncate(string text, int length = 1000) => text.Length <= length ? text : text[..length];
}
