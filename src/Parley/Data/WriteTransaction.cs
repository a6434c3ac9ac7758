using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Parley.Data;

/// <summary>
/// A write transaction that is durable when it commits, or — <c>durable: false</c> — one whose commit does
/// not wait for the disk. A power cut may undo such a commit, never a part of it, and only together with
/// every commit after it: SQLite's write-ahead log and PostgreSQL's are written in order, and any durable
/// commit (the webhook intake's, an outbox claim's) makes every commit before it durable too. For work that
/// is done again by itself when it is lost and that nobody outside hears of before a durable commit
/// follows: statuses applied again from their stored webhooks, a send's answer reconciled from its
/// status webhooks.
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly DatabaseFacade database;
    private readonly bool restore;

    private WriteTransaction(DatabaseFacade database, IDbContextTransaction transaction, bool restore)
    {
        this.database = database;
        Transaction = transaction;
        this.restore = restore;
    }

    public IDbContextTransaction Transaction { get; }

    public static async Task<WriteTransaction> BeginAsync(DatabaseFacade database, bool durable, CancellationToken cancellationToken)
    {
        if (durable)
        {
            return new WriteTransaction(database, await database.BeginTransactionAsync(cancellationToken), restore: false);
        }

        if (database.IsNpgsql())
        {
            var transaction = await database.BeginTransactionAsync(cancellationToken);
            await database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", cancellationToken);
            return new WriteTransaction(database, transaction, restore: false);
        }

        // SQLite sets it per connection and not inside a transaction; the connection is kept open until the
        // setting is restored (the pragma interceptor also restores it whenever a connection is opened).
        await database.OpenConnectionAsync(cancellationToken);
        await database.ExecuteSqlRawAsync(SqlitePragmas.LazyCommits, cancellationToken);
        return new WriteTransaction(database, await database.BeginTransactionAsync(cancellationToken), restore: true);
    }

    public Task CommitAsync(CancellationToken cancellationToken) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        if (restore)
        {
            try
            {
                await database.ExecuteSqlRawAsync(SqlitePragmas.DurableCommits);
            }
            finally
            {
                await database.CloseConnectionAsync();
            }
        }
    }
}
