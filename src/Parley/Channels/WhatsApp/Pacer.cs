namespace Parley.Channels.WhatsApp;

/// <summary>
/// At most <c>limit</c> starts in any sliding second: callers wait for a slot, so a number never
/// exceeds its throughput, however many sends are queued.
/// </summary>
public sealed class Pacer(TimeProvider clock)
{
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
                while (starts.Count > 0 && clock.GetElapsedTime(starts.Peek(), now) >= TimeSpan.FromSeconds(1))
                {
                    starts.Dequeue();
                }

                if (starts.Count < limit)
                {
                    starts.Enqueue(now);
                    return;
                }

                wait = TimeSpan.FromSeconds(1) - clock.GetElapsedTime(starts.Peek(), now);
            }

            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(1), clock, cancellationToken);
        }
    }
}
