namespace Parley.Channels.WhatsApp;

/// <summary>
/// At most <c>limit</c> starts in any sliding window of just over a second: callers wait for a slot, so a number never
/// exceeds its throughput, however many sends are queued.
/// </summary>
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

    public async Task WaitAsync(int limit, CancellationToken cancellationToken)
    {
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

                if (starts.Count < limit)
                {
                    starts.Enqueue(now);
                    return;
                }

                wait = Window - clock.GetElapsedTime(starts.Peek(), now);
            }

            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), clock, cancellationToken);
        }
    }
}
