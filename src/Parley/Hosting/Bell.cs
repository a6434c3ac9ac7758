using System.Threading.Channels;

namespace Parley.Hosting;

/// <summary>
/// Wakes a worker whose truth is a database table. A ring with nobody waiting is kept until the next
/// wait; several rings collapse into one; a wait also ends after its timeout, so the table is looked at
/// even if a ring was lost.
/// </summary>
public class Bell
{
    private readonly Channel<bool> channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Ring() => channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await channel.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out: look at the table anyway.
        }
    }
}
