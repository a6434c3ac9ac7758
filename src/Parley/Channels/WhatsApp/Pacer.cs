namespace Parley.Channels.WhatsApp;

/// <summary>
/// Spaces a number's sends so that it never exceeds its throughput: at most <c>limit</c> starts in any
/// sliding window of just over a second, and those spread evenly over the window — bursts of at most a
/// twentieth of the limit (a generic cell rate algorithm). Callers wait for their turn, however many
/// sends are queued.
/// </summary>
/// <remarks>
/// Spreading matters as much as counting: requests that take their places in one burst and then reach
/// WhatsApp a few milliseconds apart (a busy machine delays some more than others) can land in one of
/// WhatsApp's seconds together with the next burst, and WhatsApp answers the excess with 130429.
/// </remarks>
public sealed class Pacer(TimeProvider clock)
{
    /// <summary>
    /// At most the limit within any window this long: 3 % longer than WhatsApp's second, so that the
    /// time between taking a place and the request arriving, which varies a little, never makes
    /// WhatsApp count one message too many in its own second.
    /// </summary>
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1030);

    /// <summary>The last starts given out (at most the limit of them), some of them still ahead.</summary>
    private readonly Queue<long> starts = new();
    private readonly Lock gate = new();

    /// <summary>When the next start is due if sends went out exactly evenly (the "theoretical arrival time").</summary>
    private long due;

    /// <summary>The start given out last.</summary>
    private long last;

    /// <summary>
    /// Waits for this send's turn. Each caller is given its start once, in order of arrival, and sleeps
    /// until then: hundreds of sends waiting on a busy number cost one timer each, not a wake-up each
    /// whenever one of them may go.
    /// </summary>
    public async Task WaitAsync(int limit, CancellationToken cancellationToken)
    {
        var window = (long)(Window.TotalSeconds * clock.TimestampFrequency);
        var spacing = window / limit;
        var tolerance = spacing * (Math.Max(1, limit / 20) - 1);
        long now, start;
        lock (gate)
        {
            now = clock.GetTimestamp();
            while (starts.Count > limit)
            {
                starts.Dequeue(); // the limit was lowered: only the last `limit` starts count
            }

            // Not before a burst of a twentieth of the limit would be exceeded, nor before the limit-th last start
            // has left the window, nor before the start given out last (so the starts stay in order).
            start = Math.Max(Math.Max(now, due - tolerance), last);
            if (starts.Count == limit)
            {
                start = Math.Max(start, starts.Dequeue() + window);
            }

            starts.Enqueue(start);
            last = start;
            due = Math.Max(due, start) + spacing;
        }

        // Timers count whole milliseconds from the last tick and may fire up to one early; a start must never come early.
        while (start > now)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling((start - now) * 1000.0 / clock.TimestampFrequency)), clock, cancellationToken);
            now = clock.GetTimestamp();
        }
    }
}
