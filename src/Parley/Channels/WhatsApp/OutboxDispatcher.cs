using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Parley.Consent;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Drains the outbox: one worker per sender number, each keeping to its number's throughput, several
/// chunks of sends in flight at once. A chunk is marked in flight (one commit), each send takes its place
/// in the number's budget as it goes out, and the answers are recorded together (one commit).
/// A crash between the mark and the answers leaves ambiguous sends, which the status webhooks
/// reconcile through <c>biz_opaque_callback_data</c> — none is sent a second time.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes, OutboxBell bell, IOptions<WhatsAppOptions> options, DatabaseSettings settings, TimeProvider clock, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const string OutcomeUnknown = "Outcome unknown";

    /// <summary>Chunks of one number being sent at once (each up to 64 messages).</summary>
    private const int ChunksInFlight = 4;

    /// <summary>
    /// At most this many of a number's sends waiting for their retry are read each round to leave their
    /// conversations out; beyond it (a hundred thousand refusals pending at once) the rest take room in the
    /// round's read instead, and still hold their conversations back.
    /// </summary>
    private const int MaxWaiting = 100_000;

    private readonly ConcurrentDictionary<Guid, Task> workers = new();
    private readonly ConcurrentDictionary<Guid, Pacer> pacers = new();
    private readonly PairBudget pairs = new(clock, options.Value.PairBurst, options.Value.PairInterval);

    /// <summary>Sends this process is waiting on right now: still in flight, but not ambiguous.</summary>
    private readonly ConcurrentDictionary<Guid, byte> live = new();

    /// <summary>Conversations a running chunk is sending to, with how many of its messages.</summary>
    private readonly ConcurrentDictionary<Guid, int> sendingTo = new();
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

                // A number whose worker is still draining needs no look: the worker goes on until it finds nothing due.
                var draining = workers.Where(w => !w.Value.IsCompleted).Select(w => w.Key).ToList();
                foreach (var numberId in await NumbersWithDueWorkAsync(draining, stoppingToken))
                {
                    workers[numberId] = DrainAsync(numberId, stoppingToken);
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

    private async Task<List<Guid>> NumbersWithDueWorkAsync(List<Guid> draining, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        // One index probe per number (removed ones too: their sends are failed by the sender), not a walk over
        // every pending send: a subquery with a limit stays a probe even when PostgreSQL's statistics are stale.
        return await db.WhatsAppNumbers.IgnoreQueryFilters()
            .Where(n => !draining.Contains(n.Id))
            .Where(n => db.Outbox.IgnoreQueryFilters()
                .Where(o => o.WhatsAppNumberId == n.Id && o.State == OutboxState.Pending && o.NextAttemptAt <= now)
                .Select(o => (Guid?)o.MessageId).FirstOrDefault() != null)
            .Select(n => n.Id).ToListAsync(cancellationToken);
    }

    private async Task DrainAsync(Guid numberId, CancellationToken cancellationToken)
    {
        // One node drains a number, so its throughput holds across nodes; the others look again later.
        await using var drainer = await NodeLock.TryAcquireAsync(settings, "outbox", numberId, cancellationToken);
        if (drainer is null)
        {
            return;
        }

        var pacer = pacers.GetOrAdd(numberId, _ => new Pacer(clock));
        using var slots = new SemaphoreSlim(ChunksInFlight);
        var chunks = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                List<(Guid MessageId, Guid ConversationId)> due;
                int throughput;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                    var now = clock.GetUtcNow().UtcDateTime;
                    var number = await db.WhatsAppNumbers.IgnoreQueryFilters().FirstAsync(n => n.Id == numberId, cancellationToken);
                    throughput = number.Throughput;

                    // About a second's worth, so a changed throughput counts from the next second. Rows a
                    // running chunk holds are skipped, so nothing is picked twice, and so are conversations
                    // a running chunk is sending to, so one customer's messages go out in order. Customers
                    // whose pair budget is spent, or whose earlier message waits for a retry, are left out
                    // in the query, so they cannot crowd out others.
                    var held = live.Count;
                    var limit = Math.Clamp(throughput, 1, 512);
                    var waiting = pairs.Exhausted();

                    // A message waiting for its retry holds back the later ones to the same customer, in order.
                    // Read in order of due time, so it is the index of due times that is walked (from now on), even
                    // when PostgreSQL's statistics still count the outbox as empty after a burst of sends.
                    waiting.AddRange(await db.Outbox.IgnoreQueryFilters()
                        .Where(o => o.WhatsAppNumberId == numberId && o.State == OutboxState.Pending && o.NextAttemptAt > now)
                        .OrderBy(o => o.NextAttemptAt).Take(MaxWaiting)
                        .Join(db.Messages.IgnoreQueryFilters(), o => o.MessageId, m => m.Id, (o, m) => m.ConversationId)
                        .Distinct().ToListAsync(cancellationToken));
                    // The sends not yet due are the waiting ones, whose conversations are left out already; their due
                    // time is checked on the rows, not in the query, where SQLite would take the index of due times
                    // and sort the whole backlog instead of reading it in order. A send found not yet due (a retry
                    // recorded since, or one beyond MaxWaiting) holds back its conversation's later ones all the same.
                    var next = await db.Outbox.IgnoreQueryFilters()
                        .Where(o => o.WhatsAppNumberId == numberId && o.State == OutboxState.Pending)
                        .Join(db.Messages.IgnoreQueryFilters(), o => o.MessageId, m => m.Id, (o, m) => new { o.CreatedAt, o.MessageId, o.NextAttemptAt, m.ConversationId })
                        .Where(o => !waiting.Contains(o.ConversationId))
                        .OrderBy(o => o.CreatedAt).ThenBy(o => o.MessageId)
                        .Take(limit + held).ToListAsync(cancellationToken);
                    var heldBack = new HashSet<Guid>();
                    due = [];
                    foreach (var row in next.TakeWhile(_ => due.Count < limit))
                    {
                        if (row.NextAttemptAt > now)
                        {
                            heldBack.Add(row.ConversationId);
                        }
                        else if (!heldBack.Contains(row.ConversationId) && !live.ContainsKey(row.MessageId) && !sendingTo.ContainsKey(row.ConversationId))
                        {
                            due.Add((row.MessageId, row.ConversationId));
                        }
                    }
                }

                chunks.RemoveAll(c => c.IsCompleted);
                if (due.Count == 0)
                {
                    if (chunks.Count == 0)
                    {
                        break;
                    }

                    await Task.WhenAll(chunks);
                    continue;
                }

                foreach (var chunk in Chunk(due, Math.Clamp(throughput / 20, 1, 64)))
                {
                    await slots.WaitAsync(cancellationToken);
                    chunks.Add(SendChunkAsync(chunk, pacer, throughput, slots));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Task.WhenAll(chunks);
        }
    }

    /// <summary>
    /// Chunks spanning ~50 ms of the number's budget (50 messages at 1,000/s, 4 at 80/s, at most 64): each costs two commits. All of
    /// a conversation's messages go into one chunk, which sends them in order; what does not fit, or
    /// finds the customer's pair budget spent, waits for a later round (and so do that customer's later
    /// messages).
    /// </summary>
    private List<(Guid MessageId, Guid ConversationId)[]> Chunk(List<(Guid MessageId, Guid ConversationId)> due, int size)
    {
        var chunks = new List<List<(Guid MessageId, Guid ConversationId)>>();
        var chunkOf = new Dictionary<Guid, int>();
        foreach (var row in due)
        {
            if (chunkOf.TryGetValue(row.ConversationId, out var index))
            {
                if (index < 0)
                {
                    continue;
                }
            }
            else
            {
                if (chunks.Count == 0 || chunks[^1].Count >= size)
                {
                    chunks.Add([]);
                }

                index = chunkOf[row.ConversationId] = chunks.Count - 1;
            }

            if (chunks[index].Count < size && pairs.TryTake(row.ConversationId))
            {
                chunks[index].Add(row);
            }
            else
            {
                chunkOf[row.ConversationId] = -1; // full or out of pair budget: its later messages wait, in order
            }
        }

        return [.. chunks.Where(c => c.Count > 0).Select(c => c.ToArray())];
    }

    private async Task SendChunkAsync((Guid MessageId, Guid ConversationId)[] chunk, Pacer pacer, int throughput, SemaphoreSlim slots)
    {
        foreach (var (messageId, conversationId) in chunk)
        {
            live[messageId] = 0;
            sendingTo.AddOrUpdate(conversationId, 1, (_, count) => count + 1);
        }

        try
        {
            // Not cancellable: once handed to WhatsApp, the outcome must be recorded.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<OutboxSender>().SendAsync([.. chunk.Select(c => c.MessageId)], pacer, throughput, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogSendFailed(logger, e, chunk.Length, chunk[0].MessageId);
        }
        finally
        {
            foreach (var (messageId, conversationId) in chunk)
            {
                live.TryRemove(messageId, out _);
                if (sendingTo.AddOrUpdate(conversationId, 0, (_, count) => count - 1) <= 0)
                {
                    sendingTo.TryRemove(KeyValuePair.Create(conversationId, 0));
                }
            }

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Sending {Count} outbox messages from {MessageId} on failed unexpectedly")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, int count, Guid messageId);
}

/// <summary>Wakes the dispatcher when a send is queued.</summary>
public sealed class OutboxBell : Bell;

/// <summary>Sends a chunk of one number's outbox rows and records what WhatsApp answered.</summary>
public sealed class OutboxSender(ParleyDb db, WriteGate gate, WorkspaceContext workspace, GraphClient graph, OutboundMedia media, DatabaseSettings settings, ConsentSignals consent, TimeProvider clock)
{
    /// <summary>
    /// Sends the rows that are still pending, each request in its turn within the number's
    /// <paramref name="throughput"/> (see <see cref="Pacer"/>). On PostgreSQL the rows are claimed (<c>FOR UPDATE SKIP LOCKED</c>) until
    /// they are marked, so even two nodes that both picked a row cannot both send it.
    /// </summary>
    public async Task SendAsync(IReadOnlyList<Guid> messageIds, Pacer pacer, int throughput, CancellationToken cancellationToken)
    {
        await using var claim = settings.IsPostgres ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var ids = messageIds.ToArray();
        // The state is checked here, not in the query: next to a list of ids, both databases would rather walk
        // every pending row through the partial index of pending sends than look the ids up (PostgreSQL so
        // whenever its statistics still count the outbox as empty after a burst of sends).
        var pending = settings.IsPostgres
            ? db.Outbox.FromSql($"SELECT * FROM outbox WHERE message_id = ANY({ids}) FOR UPDATE SKIP LOCKED")
            : db.Outbox.Where(o => ids.Contains(o.MessageId));
        var entries = (await pending.IgnoreQueryFilters().ToListAsync(cancellationToken))
            .Where(o => o.State == OutboxState.Pending).OrderBy(o => o.CreatedAt).ThenBy(o => o.MessageId).ToList();
        if (entries.Count == 0)
        {
            return;
        }

        // One number's rows, so one workspace.
        workspace.Enter(entries[0].WorkspaceId, null, Role.Owner, Actor.System);
        // The messages are the workspace's; their conversations and contacts are joined by key without the
        // workspace filter, which would lead SQLite to walk the workspace's conversations instead. Of the
        // contact only the address is read, so only the messages are tracked.
        var rows = await db.Messages.Where(m => ids.Contains(m.Id))
            .Join(db.Conversations.IgnoreQueryFilters(), m => m.ConversationId, c => c.Id, (m, c) => new { Message = m, c.ContactId })
            .Join(db.Contacts.IgnoreQueryFilters(), r => r.ContactId, k => k.Id, (r, k) => new { r.Message, Contact = new Recipient(k.Id, k.WaId, k.Phone, k.UserId) })
            .ToDictionaryAsync(r => r.Message.Id, cancellationToken);
        var number = await db.WhatsAppNumbers.FirstAsync(n => n.Id == entries[0].WhatsAppNumberId, cancellationToken);
        if (number.RemovedAt is not null)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            foreach (var entry in entries)
            {
                Fail(entry, rows[entry.MessageId].Message, null, "The WhatsApp number was removed before the message could be sent.", now);
            }

            await WriteAsync<int>(claim, null, durable: true, cancellationToken);
            return;
        }

        await SuppressWithoutConsentAsync(entries, [.. rows.Values.Select(r => (r.Message, r.Contact))], cancellationToken);
        var sends = new List<(OutboxEntry Entry, Message Message, JsonObject Payload)>();
        foreach (var entry in entries.Where(e => e.State == OutboxState.Pending))
        {
            var (message, contact) = (rows[entry.MessageId].Message, rows[entry.MessageId].Contact);
            if (await PrepareAsync(entry, message, number, cancellationToken) is { } content)
            {
                sends.Add((entry, message, Payload(message, content, contact)));
            }
        }

        // The sends are marked in flight by one statement, in the commit of what the checks above changed.
        // Only rows still pending are marked, and only those go out: a campaign cancelled since they were read
        // has deleted its rows.
        var started = clock.GetUtcNow().UtcDateTime;
        var claimSql = sends.Count == 0 ? null : ClaimSql([.. sends.Select(s => s.Entry.MessageId)], started);
        var claimed = (await WriteAsync<List<Guid>>(claim, claimSql is null ? null : ct => db.Database.SqlQuery<Guid>(claimSql).ToListAsync(ct), durable: true, cancellationToken) ?? []).ToHashSet();
        sends.RemoveAll(s => !claimed.Contains(s.Entry.MessageId));
        foreach (var (entry, _, _) in sends)
        {
            entry.Attempts++;
            entry.State = OutboxState.InFlight;
            entry.StartedAt = started;
        }

        Written();

        // Different customers at once; one customer's messages one after the other, in order. Each request
        // takes its place in the number's budget just before it goes out, so a slow commit above cannot
        // bunch requests together at WhatsApp's end.
        var results = new GraphResult[sends.Count];
        await Task.WhenAll(sends.Select((send, i) => (send.Message.ConversationId, i)).GroupBy(s => s.ConversationId).Select(async conversation =>
        {
            foreach (var (_, i) in conversation)
            {
                results[i] = await pacer.SendAsync(throughput, ct => graph.SendMessageAsync(number, sends[i].Payload, ct), cancellationToken);
            }
        }));
        var answered = clock.GetUtcNow().UtcDateTime;
        var accepted = new List<(OutboxEntry Entry, Message Message, string Wamid)>();
        foreach (var ((entry, message, _), result) in sends.Zip(results))
        {
            if (result is GraphAccepted ok)
            {
                accepted.Add((entry, message, ok.MessageId));
            }
            else
            {
                Record(entry, message, result, answered);
                if (result is GraphRefused { Code: 131050 })
                {
                    await consent.OnMarketingStoppedAsync(message.ConversationId, message, answered, cancellationToken);
                }
            }
        }

        // The accepted ones (nearly all) by one statement each for their rows and their messages' wamids;
        // refusals and retries as tracked changes, in the same commit. When every send was accepted, the commit
        // need not wait for the disk: if a power cut undoes it, the sends are in flight again (the claim was
        // durable before they went out), and WhatsApp's status webhooks reconcile them without sending anything
        // twice. A refusal's reason, retry or opt-out (131050) is kept durably.
        await WriteAsync<int>(null, accepted.Count == 0 ? null : async ct =>
        {
            await LockOutboxAsync(db, accepted.Select(a => a.Entry.MessageId), ct);
            return await db.Database.ExecuteSqlAsync(AcceptedSql(accepted), ct);
        }, durable: accepted.Count < sends.Count, cancellationToken);
        foreach (var (entry, message, wamid) in accepted)
        {
            entry.State = OutboxState.Done;
            message.ProviderMessageId = wamid;
        }

        Written();
        await StatusBacklog.ApplyAsync(db, [.. accepted.Select(a => a.Message)], cancellationToken);
    }

    /// <summary>
    /// Commits the tracked changes and then runs <paramref name="statement"/> in one transaction: the open
    /// one, or a new one that on SQLite first waits its turn at the write gate (and that, not
    /// <paramref name="durable"/>, does not wait for the disk: see <see cref="WriteTransaction"/>).
    /// </summary>
    private async Task<T?> WriteAsync<T>(IDbContextTransaction? open, Func<CancellationToken, Task<T>>? statement, bool durable, CancellationToken cancellationToken)
    {
        using var lease = open is null ? await gate.EnterAsync(cancellationToken) : default;
        var write = open is null ? await WriteTransaction.BeginAsync(db.Database, durable, cancellationToken) : null;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            var result = statement is null ? default : await statement(cancellationToken);
            await (open ?? write!.Transaction).CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            if (write is not null)
            {
                await write.DisposeAsync();
            }
        }
    }

    /// <summary>Takes what the statements above wrote as the tracked entities' stored state.</summary>
    private void Written()
    {
        db.ChangeTracker.DetectChanges();
        db.ChangeTracker.AcceptAllChanges();
    }

    /// <summary>
    /// Marks the rows still pending in flight; returns their ids. On PostgreSQL the rows are locked since they
    /// were read as pending, and a state condition next to the ids could lead its planner to walk the partial
    /// index of pending sends instead (when its statistics count the outbox as empty).
    /// </summary>
    private FormattableString ClaimSql(Guid[] ids, DateTime started) => FormattableStringFactory.Create(
        $"UPDATE outbox SET state = 'InFlight', started_at = {{{ids.Length}}}, attempts = attempts + 1 WHERE message_id IN ({Placeholders(0, ids.Length)})" +
            (settings.IsPostgres ? "" : " AND state = 'Pending'") + " RETURNING message_id AS \"Value\"",
        [.. ids.Cast<object>(), started]);

    /// <summary>
    /// On PostgreSQL, locks outbox rows by ascending message id, the one order in which the sender (before it
    /// stores a chunk's answers) and the webhook processor (before it writes a send it reconciled) take them.
    /// A status that overtook the sender's commit, matched by the id we sent along, makes the processor write
    /// the same outbox row and message as the sender; locked first and in one order, the outbox rows keep the
    /// two from waiting for each other in a circle. (Each locking in the order its updates happened to read
    /// the rows, and the processor its message before its outbox row, they deadlocked until PostgreSQL broke
    /// it after a second: 39 times in a run of 100,000 campaign sends.)
    /// </summary>
    internal static async Task LockOutboxAsync(ParleyDb db, IEnumerable<Guid> messageIds, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            var ids = messageIds.Order().ToArray();
            await db.Database.ExecuteSqlAsync($"SELECT NULL FROM outbox WHERE message_id = ANY({ids}) ORDER BY message_id FOR UPDATE", cancellationToken);
        }
    }

    /// <summary>Marks the accepted rows done and stores their messages' wamids.</summary>
    private static FormattableString AcceptedSql(List<(OutboxEntry Entry, Message Message, string Wamid)> accepted)
    {
        var n = accepted.Count;
        var cases = string.Concat(Enumerable.Range(0, n).Select(i => $" WHEN {{{i}}} THEN {{{n + i}}}"));
        return FormattableStringFactory.Create(
            $"UPDATE outbox SET state = 'Done' WHERE message_id IN ({Placeholders(0, n)}); " +
            $"UPDATE messages SET provider_message_id = CASE id{cases} END WHERE id IN ({Placeholders(0, n)})",
            [.. accepted.Select(a => (object)a.Message.Id), .. accepted.Select(a => a.Wamid)]);
    }

    private static string Placeholders(int from, int count) => string.Join(", ", Enumerable.Range(from, count).Select(i => $"{{{i}}}"));

    /// <summary>
    /// Consent may have been withdrawn while a message waited in the outbox: every message that needs a
    /// grant is checked again, with one query for the whole chunk (none when the chunk is all service).
    /// A refused one fails with its refusal and never reaches WhatsApp.
    /// </summary>
    private async Task SuppressWithoutConsentAsync(List<OutboxEntry> entries, List<(Message Message, Recipient Contact)> rows, CancellationToken cancellationToken)
    {
        var needing = rows.Where(r => Purposes.NeedsGrant(r.Message.Purpose)).ToList();
        if (needing.Count == 0)
        {
            return;
        }

        var contactIds = needing.Select(r => r.Contact.Id).Distinct().ToList();
        var purposes = needing.Select(r => r.Message.Purpose).Distinct().ToList();
        var states = await db.ConsentStates.AsNoTracking()
            .Where(s => contactIds.Contains(s.ContactId) && purposes.Contains(s.Purpose))
            .ToDictionaryAsync(s => (s.ContactId, s.Purpose), s => s.Granted, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (message, contact) in needing)
        {
            bool? granted = states.TryGetValue((contact.Id, message.Purpose), out var g) ? g : null;
            if (ConsentPolicy.Check(message.Purpose, granted, windowOpen: true) is { } refusal)
            {
                var entry = entries.First(e => e.MessageId == message.Id);
                entry.State = OutboxState.Failed;
                entry.LastError = refusal.Message;
                OutboundMessages.Refuse(message, refusal, now);
            }
        }
    }

    /// <summary>
    /// The content as it goes out: every file from Parley's media store (a media message, a template's or
    /// interactive message's header) becomes this number's WhatsApp media id. Uploading is safe to repeat,
    /// so its failures are retried or given up like a refused send (recorded on the row, and null returned).
    /// </summary>
    private async Task<JsonNode?> PrepareAsync(OutboxEntry entry, Message message, WhatsAppNumber number, CancellationToken cancellationToken)
    {
        var content = JsonNode.Parse(message.Content)!;
        foreach (var (_, _, slot) in OutboundMedia.Slots(message.Type, content).ToList())
        {
            if (OutboundMedia.ParleyMediaId(slot) is not { } mediaFileId)
            {
                continue;
            }

            var prepared = await media.MediaIdForAsync(mediaFileId, number, cancellationToken);
            if (prepared is not GraphUploaded)
            {
                entry.Attempts++; // an attempt that ends here; a send's attempt is counted when it is marked in flight
            }

            if (prepared is GraphUnreachable unreachable && entry.Attempts >= SendPolicy.MaxAttempts)
            {
                // Nothing was sent yet, so unlike a send this can give up: the message fails visibly.
                prepared = new GraphRefused(131053, "Media upload error", $"The file could not be uploaded to WhatsApp after {entry.Attempts} attempts: {unreachable.Reason}", 0);
            }

            if (prepared is not GraphUploaded uploaded)
            {
                Record(entry, message, prepared, clock.GetUtcNow().UtcDateTime);
                return null;
            }

            slot.Remove("mediaId");
            slot["id"] = uploaded.MediaId;
        }

        return content;
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
    public static JsonObject Payload(Message message, JsonNode content, Recipient contact)
    {
        var payload = new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["recipient_type"] = "individual",
            ["type"] = message.Type,
            [message.Type] = content,
            ["biz_opaque_callback_data"] = message.Id.ToString(),
        };
        if ((contact.WaId ?? contact.Phone?.TrimStart('+')) is { } to)
        {
            payload["to"] = to; // A contact known only by phone (an import, a CRM) is written to by number.
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

    /// <summary>Whom a message goes to: the contact's WhatsApp id or phone number, or its business-scoped user id.</summary>
    public sealed record Recipient(Guid Id, string? WaId, string? Phone, string? UserId);
}
