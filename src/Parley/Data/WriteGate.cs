namespace Parley.Data;

/// <summary>
/// SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's busy
/// handler on a blocked thread (1 ms, 2 ms, … 100 ms steps). Parley's background writers (webhook
/// intake, webhook processing, outbox, media) therefore queue here, in order and without blocking a
/// thread, before they begin a write transaction. On PostgreSQL, whose writers do not exclude each
/// other, entering is free. Not re-entrant: enter once, around the whole transaction, never inside
/// a transaction the caller already holds the gate for.
/// </summary>
public sealed class WriteGate(DatabaseSettings settings) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);

    public async ValueTask<Lease> EnterAsync(CancellationToken cancellationToken)
    {
        if (settings.IsPostgres)
        {
            return default;
        }

        await gate.WaitAsync(cancellationToken);
        return new Lease(gate);
    }

    public void Dispose() => gate.Dispose();

    /// <summary>Leaves the gate when disposed.</summary>
    public readonly struct Lease(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
