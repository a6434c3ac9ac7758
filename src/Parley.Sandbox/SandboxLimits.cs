namespace Parley.Sandbox;

/// <summary>
/// Strict sliding windows: a number may accept at most its throughput in any one second (130429), and
/// at most PairBurst messages to one customer within PairWindow (131056). Counting in sliding windows
/// makes "never exceeded" measurable: the emulator refuses exactly what would exceed.
/// </summary>
public sealed class SandboxLimits(TimeProvider clock)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Queue<long>> perNumber = [];
    private readonly Dictionary<string, Queue<long>> perPair = [];

    public long Now() => clock.GetTimestamp();

    /// <summary>
    /// Counts a message that arrived at <paramref name="now"/> (see <see cref="Now"/>), or names the limit it
    /// would exceed. Requests checked out of arrival order only make the count stricter: a later arrival
    /// counted first stays in the window a little longer.
    /// </summary>
    public int? Check(long now, string phoneNumberId, string waId, int throughput, int pairBurst, TimeSpan pairWindow)
    {
        lock (gate)
        {
            var number = Window(perNumber, phoneNumberId, now, TimeSpan.FromSeconds(1));
            if (number.Count >= throughput)
            {
                return 130429;
            }

            var pair = Window(perPair, $"{phoneNumberId}/{waId}", now, pairWindow);
            if (pair.Count >= pairBurst)
            {
                return 131056;
            }

            number.Enqueue(now);
            pair.Enqueue(now);
            return null;
        }
    }

    private Queue<long> Window(Dictionary<string, Queue<long>> windows, string key, long now, TimeSpan length)
    {
        if (!windows.TryGetValue(key, out var window))
        {
            window = new Queue<long>();
            windows[key] = window;
        }

        while (window.Count > 0 && clock.GetElapsedTime(window.Peek(), now) >= length)
        {
            window.Dequeue();
        }

        return window;
    }
}
