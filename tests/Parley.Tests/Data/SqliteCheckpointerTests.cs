using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Data;

/// <summary>The write-ahead log is copied back beside the writers and still starts over while they keep writing.</summary>
public sealed class SqliteCheckpointerTests
{
    [Fact]
    public async Task UnderSteadyWrites_TheLogStartsOver_InsteadOfGrowing()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        if (!db.Database.IsSqlite())
        {
            return; // PostgreSQL keeps its own log
        }

        // Writers one after the other for 3 s, each commit 32 KB: some 60 MB in all on our machines.
        var payload = new string('x', 32 * 1024);
        var written = 0L;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            db.WhatsAppEvents.Add(new WhatsAppEvent { WabaId = "waba-wal", Field = "test", Payload = payload, ReceivedAt = app.Clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            written += payload.Length;
        }

        var log = new FileInfo(app.Database.SqliteFile + "-wal").Length;
        Assert.True(written > 3 * log, $"{written / 1_000_000} MB written, and the log file holds {log / 1_000_000} MB");
    }
}
