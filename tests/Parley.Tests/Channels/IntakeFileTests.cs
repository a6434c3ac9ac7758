using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Channels.WhatsApp;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>On SQLite, acknowledged deliveries wait in parley-intake.db until the processor moves them into webhook_deliveries.</summary>
public sealed class IntakeFileTests
{
    [SqliteFact]
    public async Task Deliveries_AreMovedIntoTheDatabaseOnce_AndLeaveTheIntakeFile_AcrossARestart()
    {
        await using var database = await TestDatabase.CreateAsync();
        var at = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        string phoneNumberId;
        await using (var first = new ParleyApp(database))
        {
            await first.InitializeAsync();
            var workspace = await first.CreateWorkspaceAsync();
            phoneNumberId = "4" + Random.Shared.NextInt64(1_000_000_000);
            await first.ConnectNumberAsync(workspace, phoneNumberId);
            foreach (var n in new[] { 1, 2 })
            {
                Assert.Equal(HttpStatusCode.OK, (await first.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "49170555000" + n, $"wamid.file{n}", $"Nachricht {n}", at))).StatusCode);
            }

            await first.WaitForWebhooksAsync();
            await Eventually.ValueAsync(async () => await CountInIntakeFileAsync(first) == 0 ? true : (bool?)null);
        }

        await using var second = new ParleyApp(database);
        await second.InitializeAsync();
        Assert.Equal(HttpStatusCode.OK, (await second.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550003", "wamid.file3", "Nachricht 3", at))).StatusCode);
        await second.WaitForWebhooksAsync();

        var deliveries = await second.WithDbAsync(db => db.WebhookDeliveries.OrderBy(d => d.Id).Select(d => new { d.Id, d.ProcessedAt }).ToListAsync());
        Assert.Equal(3, deliveries.Count);
        Assert.All(deliveries, d => Assert.NotNull(d.ProcessedAt));
        Assert.Equal(3, deliveries.Select(d => d.Id).Distinct().Count()); // the ids continue after the restart
        var messages = await second.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ProviderMessageId!.StartsWith("wamid.file")).CountAsync());
        Assert.Equal(3, messages);
        await Eventually.ValueAsync(async () => await CountInIntakeFileAsync(second) == 0 ? true : (bool?)null);
        Assert.True(File.Exists(IntakeFile.PathOf(second.Services.GetRequiredService<Parley.Data.DatabaseSettings>())));
    }

    [SqliteFact]
    public async Task ADeliveryLeftInTheIntakeFile_WhenItsContactWasErased_IsNotAppliedAgainAfterARestart()
    {
        await using var database = await TestDatabase.CreateAsync();
        var at = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        var phoneNumberId = "4" + Random.Shared.NextInt64(1_000_000_000);
        IntakeFile intakeFile;
        Parley.Channels.WhatsApp.WebhookDelivery erased;
        await using (var first = new ParleyApp(database))
        {
            await first.InitializeAsync();
            var workspace = await first.CreateWorkspaceAsync();
            await first.ConnectNumberAsync(workspace, phoneNumberId);
            Assert.Equal(HttpStatusCode.OK, (await first.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550021", "wamid.kept", "Bleibt", at))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await first.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550022", "wamid.erased", "Vergessen", at))).StatusCode);
            await first.WaitForWebhooksAsync();
            erased = await first.WithDbAsync(db => db.WebhookDeliveries.OrderByDescending(d => d.Id).FirstAsync());
            var contact = await first.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.WaId == "491705550022").Select(c => c.Id).SingleAsync());
            Assert.Equal(HttpStatusCode.NoContent, (await first.Api(workspace.AdminKey).DeleteAsync($"/api/v1/contacts/{contact}")).StatusCode);
            intakeFile = first.Services.GetRequiredService<IntakeFile>();
        }

        // A crash right after the erasure's commit, before the intake deleted what was moved, leaves the
        // delivery in the intake file while webhook_deliveries no longer holds it.
        await using (var connection = await intakeFile.OpenAsync(pooled: false, default))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT OR REPLACE INTO deliveries (id, received_at, body) VALUES ($id, $at, $body)";
            insert.Parameters.AddWithValue("$id", erased.Id);
            insert.Parameters.AddWithValue("$at", erased.ReceivedAt.Ticks);
            insert.Parameters.AddWithValue("$body", erased.Body);
            await insert.ExecuteNonQueryAsync();
        }

        await using var second = new ParleyApp(database);
        await second.InitializeAsync();
        Assert.Equal(HttpStatusCode.OK, (await second.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "491705550023", "wamid.after", "Danach", at))).StatusCode);
        await second.WaitForWebhooksAsync();

        var texts = await second.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ProviderMessageId != null).Select(m => m.Content).ToListAsync());
        Assert.Contains(texts, t => t.Contains("Danach", StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains("Vergessen", StringComparison.Ordinal));
        Assert.False(await second.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().AnyAsync(c => c.WaId == "491705550022")));
        Assert.False(await second.WithDbAsync(db => db.WebhookDeliveries.AnyAsync(d => d.Id == erased.Id)));
        await Eventually.ValueAsync(async () => await CountInIntakeFileAsync(second) == 0 ? true : (bool?)null);
    }

    private static Task<long> CountInIntakeFileAsync(ParleyApp app) => app.Services.GetRequiredService<IntakeFile>().CountAfterAsync(0, default);
}
