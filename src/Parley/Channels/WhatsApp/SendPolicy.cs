namespace Parley.Channels.WhatsApp;

public enum SendDecision
{
    Retry,
    GiveUp,
}

/// <summary>
/// What to do about a refused send, by WhatsApp error code (see the Cloud API notes §3): throughput and
/// pair limits and transient errors are retried with growing, jittered pauses; everything that a
/// retry cannot fix fails the message with WhatsApp's reason.
/// </summary>
public static class SendPolicy
{
    public const int MaxAttempts = 8;

    private static readonly HashSet<int> Transient = [1, 2, 4, 130429, 131000, 131016, 131056, 131057, 133004, 80007];

    public static (SendDecision Decision, TimeSpan Delay) Classify(int code, int attempt)
    {
        if (!Transient.Contains(code) || attempt >= MaxAttempts)
        {
            return (SendDecision.GiveUp, TimeSpan.Zero);
        }

        // The pair limit wants 4^X seconds; the rest a short exponential backoff.
        var baseDelay = code == 131056
            ? TimeSpan.FromSeconds(Math.Pow(4, Math.Min(attempt, 5)))
            : TimeSpan.FromMilliseconds(Math.Min(60_000, 250 * Math.Pow(2, attempt)));
        var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(1000, baseDelay.TotalMilliseconds / 4) + 1));
        return (SendDecision.Retry, baseDelay + jitter);
    }
}
