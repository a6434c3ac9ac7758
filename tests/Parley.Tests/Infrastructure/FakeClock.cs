namespace Parley.Tests.Infrastructure;

/// <summary>A clock the test moves by hand (the Microsoft testing package does not install here).</summary>
public sealed class FakeClock : TimeProvider
{
    private DateTimeOffset now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
