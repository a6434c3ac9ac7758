using System.Diagnostics;

namespace Parley.Tests.Infrastructure;

/// <summary>Polls until background work (webhooks, the outbox, downloads) has produced a state, or fails after 15 s.</summary>
public static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe)
        where T : struct
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Limit)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("The expected state was not reached within 15 seconds.");
    }

    public static async Task<T> ObjectAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var found = await ValueAsync(async () => await probe() is { } value ? new Box<T>(value) : (Box<T>?)null);
        return found.Value;
    }

    private readonly record struct Box<T>(T Value);
}
