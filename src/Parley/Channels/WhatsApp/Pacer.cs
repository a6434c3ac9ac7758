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

    private readonly Queue<long> starts = new();
    private readonly Lock gate = new();

    /// <summary>When the next start is due if sends went out exactly evenly (the "theoretical arrival time").</summary>
    private long due;

    public async Task WaitAsync(int limit, CancellationToken cancellationToken)
    {
        var spacing = (long)(Window.TotalSeconds * clock.TimestampFrequency / limit);
        var tolerance = spacing * (Math.Max(1, limit / 20) - 1);
        while (true)
        {
            TimeSpan wait;
            lock (gate)
            {
                var now = clock.GetTimestamp();
                while (starts.Count > 0 && clock.GetElapsedTime(starts.Peek(), now) >= Window)
                {
                    starts.Dequeue();
                }

                var early = due - tolerance - now; // > 0: this start would make a burst too big
                if (starts.Count < limit && early <= 0)
                {
                    starts.Enqueue(now);
                    due = Math.Max(due, now) + spacing;
                    return;
                }

                var windowWait = starts.Count < limit ? TimeSpan.Zero : Window - clock.GetElapsedTime(starts.Peek(), now);
                wait = TimeSpan.FromSeconds(Math.Max(windowWait.TotalSeconds, (double)early / clock.TimestampFrequency));
            }

            await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), clock, cancellationToken);
        }
    }
}
