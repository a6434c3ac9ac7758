using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Data;

/// <summary>A commit that does not wait for the disk is still a commit, and the connection waits for the disk again afterwards.</summary>
public sealed class WriteTransactionTests
{
    [Fact]
    public async Task ALazyCommit_IsKept_AndOnlyThatTransactionSkipsWaitingForTheDisk()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        await db.Database.OpenConnectionAsync();
        var durable = await SettingAsync(db);

        await using (var write = await WriteTransaction.BeginAsync(db.Database, durable: false, CancellationToken.None))
        {
            Assert.Equal(db.Database.IsSqlite() ? "1" : "off", await SettingAsync(db));
            db.WhatsAppEvents.Add(new WhatsAppEvent { WabaId = "waba-lazy", Field = "test", Payload = "{}", ReceivedAt = app.Clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync();
            await write.CommitAsync(CancellationToken.None);
        }

        if (db.Database.IsSqlite())
        {
            Assert.Equal("2", durable); // Parley's own (FULL); PostgreSQL's is the server's, and the test cluster's is off already
        }

        Assert.Equal(durable, await SettingAsync(db));
        await using var other = app.Services.CreateAsyncScope();
        Assert.True(await other.ServiceProvider.GetRequiredService<ParleyDb>().WhatsAppEvents.IgnoreQueryFilters().AnyAsync(e => e.WabaId == "waba-lazy"));
    }

    private static Task<string> SettingAsync(ParleyDb db) => db.Database.IsSqlite()
        ? db.Database.SqlQueryRaw<string>("SELECT CAST(synchronous AS TEXT) AS \"Value\" FROM pragma_synchronous").SingleAsync()
        : db.Database.SqlQueryRaw<string>("SELECT current_setting('synchronous_commit') AS \"Value\"").SingleAsync();
}
