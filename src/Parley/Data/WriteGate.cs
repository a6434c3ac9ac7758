namespace Parley.Data;

/// <summary>
/// SQLite has one writer at a time, and a writer that finds the lock taken sleeps in SQLite's busy
/// handler on a blocked thread (1 ms, 2 ms, … 100 ms steps). Parley's writers therefore queue here, in
/// order and without blocking a thread, before they begin a write transaction: every
/// <see cref="ParleyDb"/> SaveChanges outside a transaction does so by itself; the webhook intake and
/// processor, which open their own transactions, enter explicitly. On PostgreSQL, whose writers do not
/// exclude each other, entering is free. Not re-entrant: enter once, around the whole transaction.
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

    public Lease Enter()
    {
        if (settings.IsPostgres)
        {
            return default;
        }

        gate.Wait();
        return new Lease(gate);
    }

    /// <summary>Leaves the gate when disposed.</summary>
    public readonly struct Lease(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }
}
