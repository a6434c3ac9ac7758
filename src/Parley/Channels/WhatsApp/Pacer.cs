namespace Parley.Channels.WhatsApp;

/// <summary>
/// Keeps a number's sends within its throughput as WhatsApp counts it — at most <c>limit</c> requests
/// arriving in any one second — however late a busy machine delivers them, and spreads them evenly:
/// bursts of at most a twentieth of the limit, the rest spaced (a generic cell rate algorithm).
/// </summary>
/// <remarks>
/// WhatsApp counts a request when it arrives, which is some time after it starts here and before its
/// answer comes back. So each send holds one of <c>limit</c> places from before it starts until a second
/// after its answer: any <c>limit + 1</c> requests that arrive within one second would have held a place
/// at the same moment, which cannot happen. A send whose answer comes back quickly frees its place a
/// second and a few milliseconds after it started; the number sends at its limit less that latency.
/// </remarks>
#pragma warning disable CA1001 // The semaphore's wait handle is never asked for, so there is nothing to dispose.
public sealed class Pacer(TimeProvider clock)
#pragma warning restore CA1001
{
    /// <summary>Free places; a lowered limit is paid back as places come free.</summary>
    private readonly SemaphoreSlim places = new(0);
    private readonly Lock gate = new();

    /// <summary>The limit the places were counted for.</summary>
    private int counted;

    /// <summary>When the next start is due if sends went out exactly evenly (the "theoretical arrival time").</summary>
    private long due;

    /// <summary>The start given out last.</summary>
    private long last;

    /// <summary>
    /// Runs <paramref name="send"/> in its turn: once a place is free and the spacing allows. Places are
    /// handed out in order of arrival, and each caller is given its start once and sleeps until then.
    /// </summary>
    public async Task<T> SendAsync<T>(int limit, Func<CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        Resize(limit);
        await places.WaitAsync(cancellationToken);
        try
        {
            await SpaceAsync(limit, cancellationToken);
        }
        catch
        {
            places.Release(); // nothing was sent
            throw;
        }

        try
        {
            return await send(cancellationToken);
        }
        finally
        {
            // The request arrived (if it did) before its answer or failure: its place is free a second after that.
            _ = ReleaseAtAsync(clock.GetTimestamp() + clock.TimestampFrequency); // timestamps count TimestampFrequency a second
        }
    }

    private void Resize(int limit)
    {
        int change;
        lock (gate)
        {
            change = limit - counted;
            counted = limit;
        }

        if (change > 0)
        {
            places.Release(change);
        }

        for (; change < 0; change++)
        {
            _ = places.WaitAsync(); // taken for good as soon as it is free
        }
    }

    private Task SpaceAsync(int limit, CancellationToken cancellationToken)
    {
        var spacing = clock.TimestampFrequency / limit;
        var tolerance = spacing * (Math.Max(1, limit / 20) - 1);
        long start;
        lock (gate)
        {
            // Not before a burst of a twentieth of the limit would be exceeded, nor before the start given
            // out last (so the starts stay in order).
            start = Math.Max(Math.Max(clock.GetTimestamp(), due - tolerance), last);
            last = start;
            due = Math.Max(due, start) + spacing;
        }

        return UntilAsync(start, cancellationToken);
    }

    private async Task ReleaseAtAsync(long at)
    {
        await UntilAsync(at, CancellationToken.None);
        places.Release();
    }

    /// <summary>Timers count whole milliseconds from the last tick and may fire up to one early; this never returns early.</summary>
    private async Task UntilAsync(long at, CancellationToken cancellationToken)
    {
        for (var now = clock.GetTimestamp(); at > now; now = clock.GetTimestamp())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling((at - now) * 1000.0 / clock.TimestampFrequency)), clock, cancellationToken);
        }
    }
}
