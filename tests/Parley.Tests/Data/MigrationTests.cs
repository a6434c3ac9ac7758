using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Data;
using Parley.Identity;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Data;

/// <summary>Runs on SQLite, and on PostgreSQL when the test script provides a server.</summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task MigratedSchema_IsExactlyTheSchemaTheModelExpects()
    {
        await using var migrated = await TestDatabase.CreateAsync();
        await using var fromModel = await TestDatabase.CreateAsync();
        await MigratorFor(migrated).MigrateAsync();
        await using (var db = ContextFor(fromModel))
        {
            await db.Database.EnsureCreatedAsync();
        }

        var actual = await SnapshotAsync(migrated);
        var expected = await SnapshotAsync(fromModel);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Migrate_Twice_AppliesNothingTheSecondTime()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = MigratorFor(database);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(migrator.Scripts.Count, first);
        Assert.Equal(0, second);
        Assert.Equal(migrator.Scripts.Select(s => s.Version), await migrator.AppliedVersionsAsync(default));
    }

    [Fact]
    public async Task Upgrade_OfADatabaseCreatedByTheFirstMigration_KeepsItsData()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = MigratorFor(database);
        Assert.Equal(1, await migrator.MigrateAsync(targetVersion: 1));

        var workspaceId = Guid.CreateVersion7();
        var userId = Guid.CreateVersion7();
        await using (var connection = await Settings(database).OpenUnpooledAsync(create: false, default))
        {
            // Written as the first release wrote it, before later migrations existed.
            await ExecuteAsync(connection, "INSERT INTO workspaces (id, slug, name, created_at) VALUES (@w, 'old-shop', 'Old Shop', @t)", workspaceId, userId);
            await ExecuteAsync(connection, "INSERT INTO users (id, email, display_name, password_hash, security_stamp, failed_sign_in_count, created_at) VALUES (@u, 'old@shop.test', 'Old Timer', 'hash', 'stamp', 2, @t)", workspaceId, userId);
            await ExecuteAsync(connection, "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (@w, @u, 'owner', @t)", workspaceId, userId);
        }

        Assert.Equal(migrator.Scripts.Count - 1, await migrator.MigrateAsync());

        await using var db = ContextFor(database);
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        Assert.Equal(("old@shop.test", "Old Timer", 2, (string?)null), (user.Email, user.DisplayName, user.FailedSignInCount, user.Culture));
        var membership = await db.Memberships.IgnoreQueryFilters().SingleAsync(m => m.UserId == userId);
        Assert.Equal((workspaceId, Role.Owner), (membership.WorkspaceId, membership.Role));
        Assert.Equal("Old Shop", (await db.Workspaces.IgnoreQueryFilters().SingleAsync()).Name);
        Assert.Empty(await db.ApiKeys.IgnoreQueryFilters().ToListAsync());
    }

    [Fact]
    public async Task Upgrade_ThatMakesMediaFilesNullable_KeepsTheInboundMedia()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = MigratorFor(database);
        Assert.Equal(5, await migrator.MigrateAsync(targetVersion: 5));
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var workspace = new Workspace { Slug = "media-shop", Name = "Media Shop", CreatedAt = at };
        var number = new Parley.Channels.WhatsApp.WhatsAppNumber { WorkspaceId = workspace.Id, PhoneNumberId = "4711", WabaId = "1", DisplayPhoneNumber = "+49 1", AccessTokenProtected = "x", CreatedAt = at };
        var contact = new Parley.Inbox.Contact { WorkspaceId = workspace.Id, CreatedAt = at, UpdatedAt = at };
        var conversation = new Parley.Inbox.Conversation { WorkspaceId = workspace.Id, ContactId = contact.Id, WhatsAppNumberId = number.Id, LastMessageAt = at, CreatedAt = at, UpdatedAt = at };
        var message = new Parley.Inbox.Message { WorkspaceId = workspace.Id, ConversationId = conversation.Id, Direction = Parley.Inbox.MessageDirection.Inbound, Type = "image", Content = "{}", CreatedAt = at };
        var media = new Parley.Inbox.MediaFile { WorkspaceId = workspace.Id, MessageId = message.Id, WhatsAppNumberId = number.Id, ProviderMediaId = "998877", MimeType = "image/png", Size = 42, State = Parley.Inbox.MediaState.Stored, NextAttemptAt = at, CreatedAt = at };
        await using (var old = ContextFor(database))
        {
            // The tables as migration 5 left them (the model's media_uploads does not exist yet, and its
            // contacts have columns that came later, so the contact is written as the old table had it).
            old.Add(workspace);
            await old.SaveChangesAsync();
            await old.Database.ExecuteSqlAsync($"INSERT INTO contacts (id, workspace_id, created_at, updated_at) VALUES ({contact.Id}, {workspace.Id}, {at}, {at})");
            old.AddRange(number, conversation, message, media);
            await old.SaveChangesAsync();
        }

        Assert.Equal(migrator.Scripts.Count - 5, await migrator.MigrateAsync());

        await using var db = ContextFor(database);
        var kept = await db.MediaFiles.IgnoreQueryFilters().SingleAsync();
        Assert.Equal((media.Id, message.Id, number.Id, "998877", "image/png", 42L), (kept.Id, kept.MessageId, kept.WhatsAppNumberId, kept.ProviderMediaId, kept.MimeType, kept.Size));
        db.MediaFiles.Add(new Parley.Inbox.MediaFile { WorkspaceId = workspace.Id, MimeType = "image/png", State = Parley.Inbox.MediaState.Stored, NextAttemptAt = at, CreatedAt = at });
        await db.SaveChangesAsync();
        await db.Messages.IgnoreQueryFilters().Where(m => m.Id == message.Id).ExecuteDeleteAsync();
        Assert.Equal(1, await db.MediaFiles.IgnoreQueryFilters().CountAsync()); // the inbound file went with its message; the upload stays
    }

    [Fact]
    public async Task Upgrade_ToContacts_GivesEveryContactAUniqueCustomerId_ItsPhone_AndItsActivity()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = MigratorFor(database);
        await migrator.MigrateAsync(targetVersion: 8);
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var a = new Workspace { Slug = "contacts-a", Name = "A", CreatedAt = at };
        var b = new Workspace { Slug = "contacts-b", Name = "B", CreatedAt = at };
        var number = new Parley.Channels.WhatsApp.WhatsAppNumber { WorkspaceId = a.Id, PhoneNumberId = "4712", WabaId = "1", DisplayPhoneNumber = "+49 1", AccessTokenProtected = "x", CreatedAt = at };
        var contacts = new[] { (a.Id, Guid.CreateVersion7(), "491701234567"), (a.Id, Guid.CreateVersion7(), "491701234568"), (a.Id, Guid.CreateVersion7(), (string?)null), (b.Id, Guid.CreateVersion7(), "491701234567") };
        await using (var old = ContextFor(database))
        {
            old.AddRange(a, b, number);
            await old.SaveChangesAsync();
            foreach (var (workspace, id, waId) in contacts)
            {
                await old.Database.ExecuteSqlAsync($"INSERT INTO contacts (id, workspace_id, wa_id, created_at, updated_at) VALUES ({id}, {workspace}, {waId}, {at}, {at})");
            }

            old.Add(new Parley.Inbox.Conversation { WorkspaceId = a.Id, ContactId = contacts[0].Item2, WhatsAppNumberId = number.Id, LastInboundAt = at.AddHours(1), LastMessageAt = at, CreatedAt = at, UpdatedAt = at });
            await old.SaveChangesAsync();
        }

        await migrator.MigrateAsync();

        await using var db = ContextFor(database);
        var migrated = await db.Contacts.IgnoreQueryFilters().ToDictionaryAsync(c => c.Id);
        Assert.All(migrated.Values, c => Assert.Matches("^C-[0-9A-HJKMNP-TV-Z]{6}$", c.CustomerId));
        Assert.Equal(3, migrated.Values.Where(c => c.WorkspaceId == a.Id).Select(c => c.CustomerId).Distinct().Count());
        Assert.Equal("+491701234567", migrated[contacts[0].Item2].Phone);
        Assert.Null(migrated[contacts[2].Item2].Phone);
        Assert.Equal(at.AddHours(1), migrated[contacts[0].Item2].LastInboundAt);
        Assert.Null(migrated[contacts[1].Item2].LastInboundAt);
    }

    [Fact]
    public async Task ConcurrentMigrators_ApplyEachScriptExactlyOnce()
    {
        await using var database = await TestDatabase.CreateAsync();

        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => MigratorFor(database).MigrateAsync())));

        var migrator = MigratorFor(database);
        Assert.Equal(migrator.Scripts.Count, applied.Sum());
        Assert.Equal(migrator.Scripts.Select(s => s.Version), await migrator.AppliedVersionsAsync(default));
    }

    [Fact]
    public void BothProviders_HaveTheSameMigrations()
    {
        static IEnumerable<string> Names(string provider) =>
            typeof(Migrator).Assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith($"migrations/{provider}/", StringComparison.Ordinal))
                .Select(n => n[(n.LastIndexOf('/') + 1)..])
                .Order(StringComparer.Ordinal);

        Assert.NotEmpty(Names("Sqlite"));
        Assert.Equal(Names("Sqlite"), Names("Postgres"));
    }

    private static DatabaseSettings Settings(TestDatabase database) =>
        DatabaseSettings.From(new ConfigurationBuilder().AddInMemoryCollection(database.Settings()).Build());

    private static Migrator MigratorFor(TestDatabase database) =>
        new(Settings(database), TimeProvider.System, NullLogger<Migrator>.Instance);

    private static ParleyDb ContextFor(TestDatabase database)
    {
        var settings = Settings(database);
        var options = new DbContextOptionsBuilder<ParleyDb>();
        if (settings.IsPostgres)
        {
            options.UseNpgsql(settings.ConnectionString);
        }
        else
        {
            // EnsureCreated needs to create the file; the application's own string refuses to.
            options.UseSqlite(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(settings.ConnectionString) { Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate }.ToString());
        }

        return new ParleyDb(options.Options, new WorkspaceContext(), new WriteGate(settings));
    }

    private static async Task<List<string>> SnapshotAsync(TestDatabase database)
    {
        await using var connection = await Settings(database).OpenUnpooledAsync(create: false, default);
        return await SchemaSnapshot.ReadAsync(connection);
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, Guid workspaceId, Guid userId)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in new (string, object)[] { ("@w", workspaceId), ("@u", userId), ("@t", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = connection is Microsoft.Data.Sqlite.SqliteConnection && value is Guid guid ? guid.ToString().ToUpperInvariant() : value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
