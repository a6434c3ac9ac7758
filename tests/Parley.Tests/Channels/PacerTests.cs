using System.Diagnostics;
using Parley.Channels.WhatsApp;

namespace Parley.Tests.Channels;

/// <summary>The pacer spreads a number's sends: a small burst at once, the rest evenly over the window.</summary>
public sealed class PacerTests
{
    [Fact]
    public async Task SendsBeyondASmallBurst_AreSpreadEvenly_NotReleasedAtOnce()
    {
        // 100 a second: bursts of 5, then one every 10.3 ms.
        var pacer = new Pacer(TimeProvider.System);
        var starts = new List<TimeSpan>();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 25).Select(async _ =>
        {
            await pacer.WaitAsync(100, CancellationToken.None);
            lock (starts)
            {
                starts.Add(watch.Elapsed);
            }
        }));

        starts.Sort();
        for (var i = 5; i < starts.Count; i++)
        {
            // The (i+1)-th start comes at least (i - 4) spacings after the first.
            Assert.True(starts[i] - starts[0] >= TimeSpan.FromMilliseconds((i - 4) * 10.3 - 0.5), $"start {i} at {starts[i] - starts[0]}");
        }
    }

    [Fact]
    public async Task AtTwoASecond_StartsAreHalfAWindowApart_AndTheThirdWaitsAFullWindow()
    {
        // 2 a second: bursts of one, one every 515 ms; the third waits for the first to leave the window.
        var pacer = new Pacer(TimeProvider.System);
        var watch = Stopwatch.StartNew();
        await pacer.WaitAsync(2, CancellationToken.None);
        await pacer.WaitAsync(2, CancellationToken.None);
        var second = watch.Elapsed;
        await pacer.WaitAsync(2, CancellationToken.None);

        Assert.True(second >= TimeSpan.FromMilliseconds(500), $"second start after {second}");
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(1025), $"third start after {watch.Elapsed}");
    }
}
