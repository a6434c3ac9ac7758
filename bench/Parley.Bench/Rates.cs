namespace Parley.Bench;

/// <summary>A count of sends sampled over time: what each interval sent, and the sustained rate.</summary>
internal static class Rates
{
    /// <summary>
    /// The rate per second between every <paramref name="every"/>-th sample and the next, over the time that
    /// really passed between them (a sample's own query makes an interval a little longer than planned).
    /// </summary>
    public static string PerInterval(List<(double Seconds, long Sent)> samples, int every)
    {
        var marks = samples.Where((_, i) => i % every == 0).ToList();
        return string.Join(' ', marks.Zip(marks.Skip(1), (a, b) => ((b.Sent - a.Sent) / (b.Seconds - a.Seconds)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The rate between 10 % and 90 % of <paramref name="total"/> sends counted from <paramref name="start"/>:
    /// the start-up and the tail left out.
    /// </summary>
    public static double Sustained(List<(double Seconds, long Sent)> samples, long start, long total)
    {
        var from = samples.First(s => s.Sent - start >= total / 10);
        var until = samples.Last(s => s.Sent - start <= total * 9 / 10);
        return (until.Sent - from.Sent) / Math.Max(0.001, until.Seconds - from.Seconds);
    }
}
