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
        Assert.Equal(string.Join("\n", expected.Except(actual)), string.Join("\n", actual.Except(expected)));
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
        var (workspace, number, contact, conversation, message, media) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        await using (var old = ContextFor(database))
        {
            // The rows as migration 5's tables take them, in SQL: today's model has columns those tables lack.
            await old.Database.ExecuteSqlRawAsync("INSERT INTO workspaces (id, slug, name, created_at) VALUES ({0}, 'media-shop', 'Media Shop', {1})", Key(workspace), at);
            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO whatsapp_numbers (id, workspace_id, phone_number_id, waba_id, display_phone_number, access_token_protected, throughput, created_at) VALUES ({0}, {1}, '4711', '1', '+49 1', 'x', 80, {2})",
                Key(number), Key(workspace), at);
            await old.Database.ExecuteSqlRawAsync("INSERT INTO contacts (id, workspace_id, created_at, updated_at) VALUES ({0}, {1}, {2}, {2})", Key(contact), Key(workspace), at);
            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO conversations (id, workspace_id, contact_id, whatsapp_number_id, status, last_message_at, created_at, updated_at) VALUES ({0}, {1}, {2}, {3}, 'Open', {4}, {4}, {4})",
                Key(conversation), Key(workspace), Key(contact), Key(number), at);
            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO messages (id, workspace_id, conversation_id, direction, type, content, status, created_at) VALUES ({0}, {1}, {2}, 'Inbound', 'image', '{{}}', 'Received', {3})",
                Key(message), Key(workspace), Key(conversation), at);
            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO media_files (id, workspace_id, message_id, whatsapp_number_id, provider_media_id, mime_type, size, state, attempts, next_attempt_at, created_at) VALUES ({0}, {1}, {2}, {3}, '998877', 'image/png', 42, 'Stored', 0, {4}, {4})",
                Key(media), Key(workspace), Key(message), Key(number), at);
        }

        Assert.Equal(migrator.Scripts.Count - 5, await migrator.MigrateAsync());

        await using var db = ContextFor(database);
        var kept = await db.MediaFiles.IgnoreQueryFilters().SingleAsync();
        Assert.Equal((media, message, number, "998877", "image/png", 42L), (kept.Id, kept.MessageId, kept.WhatsAppNumberId, kept.ProviderMediaId, kept.MimeType, kept.Size));
        db.MediaFiles.Add(new Parley.Inbox.MediaFile { WorkspaceId = workspace, MimeType = "image/png", State = Parley.Inbox.MediaState.Stored, NextAttemptAt = at, CreatedAt = at });
        await db.SaveChangesAsync();
        await db.Messages.IgnoreQueryFilters().Where(m => m.Id == message).ExecuteDeleteAsync();
        Assert.Equal(1, await db.MediaFiles.IgnoreQueryFilters().CountAsync()); // the inbound file went with its message; the upload stays
    }

    [Fact]
    public async Task Upgrade_ToContacts_GivesEveryContactAUniqueCustomerId_ItsPhone_AndItsActivity()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = MigratorFor(database);
        await migrator.MigrateAsync(targetVersion: 8);
        var at = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var (a, b, number) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        var contacts = new[] { (a, Guid.CreateVersion7(), "491701234567"), (a, Guid.CreateVersion7(), "491701234568"), (a, Guid.CreateVersion7(), (string?)null), (b, Guid.CreateVersion7(), "491701234567") };
        await using (var old = ContextFor(database))
        {
            // The rows as version 8's tables take them, in SQL: today's model has columns those tables lack.
            foreach (var (workspace, slug) in new[] { (a, "contacts-a"), (b, "contacts-b") })
            {
                await old.Database.ExecuteSqlRawAsync("INSERT INTO workspaces (id, slug, name, created_at) VALUES ({0}, {1}, 'W', {2})", Key(workspace), slug, at);
            }

            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO whatsapp_numbers (id, workspace_id, phone_number_id, waba_id, display_phone_number, access_token_protected, throughput, created_at) VALUES ({0}, {1}, '4712', '1', '+49 1', 'x', 80, {2})",
                Key(number), Key(a), at);
            foreach (var (workspace, id, waId) in contacts)
            {
                await old.Database.ExecuteSqlAsync($"INSERT INTO contacts (id, workspace_id, wa_id, created_at, updated_at) VALUES ({Key(id)}, {Key(workspace)}, {waId}, {at}, {at})");
            }

            await old.Database.ExecuteSqlRawAsync(
                "INSERT INTO conversations (id, workspace_id, contact_id, whatsapp_number_id, status, last_inbound_at, last_message_at, created_at, updated_at) VALUES ({0}, {1}, {2}, {3}, 'Open', {4}, {5}, {5}, {5})",
                Key(Guid.CreateVersion7()), Key(a), Key(contacts[0].Item2), Key(number), at.AddHours(1), at);
        }

        await migrator.MigrateAsync();

        await using var db = ContextFor(database);
        var migrated = await db.Contacts.IgnoreQueryFilters().ToDictionaryAsync(c => c.Id);
        Assert.All(migrated.Values, c => Assert.Matches("^C-[0-9A-HJKMNP-TV-Z]{6}$", c.CustomerId));
        Assert.Equal(3, migrated.Values.Where(c => c.WorkspaceId == a).Select(c => c.CustomerId).Distinct().Count());
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

    /// <summary>An id as a raw SQL parameter: uuid on PostgreSQL, upper-case text on SQLite (as EF Core writes it).</summary>
    private static object Key(Guid id) => TestDatabase.IsPostgres ? id : id.ToString().ToUpperInvariant();

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
