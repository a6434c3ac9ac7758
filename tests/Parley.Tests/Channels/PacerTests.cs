using System.Diagnostics;
using Parley.Channels.WhatsApp;

namespace Parley.Tests.Channels;

/// <summary>
/// The pacer spreads a number's sends, and each send holds a place from before it starts until a second
/// after its answer, so no second at WhatsApp's end can count more than the limit.
/// </summary>
public sealed class PacerTests
{
    [Fact]
    public async Task SendsBeyondASmallBurst_AreSpreadEvenly_NotReleasedAtOnce()
    {
        // 100 a second: bursts of 5, then one every 10 ms.
        var pacer = new Pacer(TimeProvider.System);
        var watch = Stopwatch.StartNew();
        var starts = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => pacer.SendAsync(100, _ => Task.FromResult(watch.Elapsed), CancellationToken.None)));

        Array.Sort(starts);
        for (var i = 5; i < starts.Length; i++)
        {
            // The (i+1)-th start comes at least (i - 4) spacings after the first.
            Assert.True(starts[i] - starts[0] >= TimeSpan.FromMilliseconds((i - 4) * 10 - 0.5), $"start {i} at {starts[i] - starts[0]}");
        }
    }

    [Fact]
    public async Task APlaceComesFree_ASecondAfterTheAnswer_NotAfterTheStart()
    {
        // 2 a second. The first send takes 300 ms to answer: the third may start only a second after that answer.
        var pacer = new Pacer(TimeProvider.System);
        var watch = Stopwatch.StartNew();
        var firstAnswered = await pacer.SendAsync(2, async ct =>
        {
            await Task.Delay(300, ct);
            return watch.Elapsed;
        }, CancellationToken.None);
        await pacer.SendAsync(2, _ => Task.FromResult(0), CancellationToken.None);
        var third = await pacer.SendAsync(2, _ => Task.FromResult(watch.Elapsed), CancellationToken.None);

        Assert.True(third - firstAnswered >= TimeSpan.FromSeconds(1), $"third start {third - firstAnswered} after the first answer");
    }

    [Fact]
    public async Task ASendStillWaitingForItsAnswer_KeepsItsPlace()
    {
        var pacer = new Pacer(TimeProvider.System);
        var answer = new TaskCompletionSource<int>();
        var hanging = pacer.SendAsync(1, _ => answer.Task, CancellationToken.None);
        var next = pacer.SendAsync(1, _ => Task.FromResult(2), CancellationToken.None);

        await Task.Delay(1500);
        Assert.False(next.IsCompleted, "a second send started while the first had no answer");

        var watch = Stopwatch.StartNew();
        answer.SetResult(1);
        Assert.Equal((1, 2), (await hanging, await next));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"the second send started {watch.Elapsed} after the first answer");
    }

    [Fact]
    public async Task ALoweredLimit_CountsThePlacesAlreadyTaken()
    {
        // Three sends at 3 a second, then the limit drops to 1: the next waits until all three places are free again
        // and two of them are given back.
        var pacer = new Pacer(TimeProvider.System);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => pacer.SendAsync(3, _ => Task.FromResult(0), CancellationToken.None)));
        var watch = Stopwatch.StartNew();
        await pacer.SendAsync(1, _ => Task.FromResult(0), CancellationToken.None);
        var fourth = watch.Elapsed;
        await pacer.SendAsync(1, _ => Task.FromResult(0), CancellationToken.None);

        Assert.True(fourth >= TimeSpan.FromMilliseconds(900), $"fourth start after {fourth}");
        Assert.True(watch.Elapsed - fourth >= TimeSpan.FromSeconds(1), $"fifth start {watch.Elapsed - fourth} after the fourth");
    }
}
