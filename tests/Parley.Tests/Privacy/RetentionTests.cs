using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Inbox;
using Parley.Privacy;
using Parley.Tests.Consent;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Privacy;

/// <summary>Retention rules per workspace: validated, audited, previewed by a dry run, applied by the job to exactly what is older.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Rules_AreKeptUntilSet_Validated_Audited_AndOnlyForAdmins()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var admin = app.Api(workspace.AdminKey);

        var initial = await admin.GetFromJsonAsync<JsonElement>("/api/v1/retention");
        Assert.Equal(JsonValueKind.Null, initial.GetProperty("messageContentDays").ValueKind);
        Assert.Equal(4, initial.GetProperty("consentEvidenceYears").GetInt32());
        var zero = await admin.PutAsJsonAsync("/api/v1/retention", new { mediaDays = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Contains("mediaDays", await zero.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var shortAudit = await admin.PutAsJsonAsync("/api/v1/retention", new { auditLogDays = 30 });
        Assert.Contains("at least 180 days", await shortAudit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var saved = await admin.PutAsJsonAsync("/api/v1/retention", new { messageContentDays = 365, mediaDays = 90 });
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(90, (await saved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mediaDays").GetInt32());
        Assert.Contains("retention.changed", await admin.GetStringAsync("/api/v1/audit-log"), StringComparison.Ordinal);
        foreach (var role in new[] { "agent", "marketer", "supervisor" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await app.Api(await app.CreateKeyAsync(workspace.Slug, role)).GetAsync("/api/v1/retention")).StatusCode);
        }

        var browser = app.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var page = await browser.GetStringAsync($"/w/{workspace.Slug}/retention");
        Assert.Contains("Dry run: what a run would remove now", page, StringComparison.Ordinal);
        Assert.Contains("value=\"90\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheJob_RemovesExactlyWhatIsOlderThanEachRule_AsTheDryRunSaid_AndKeepsConsentProof()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var customer = await app.SandboxCustomerAsync("Alte Nachricht");
        var photo = Encoding.ASCII.GetBytes("old photo " + new string('p', 500));
        (await app.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new
        {
            from = customer.WaId,
            phoneNumberId = customer.PhoneNumberId,
            type = "image",
            image = new { caption = "Altes Foto", mime_type = "image/jpeg", data = Convert.ToBase64String(photo) },
        })).EnsureSuccessStatusCode();
        var media = await Eventually.ObjectAsync(() => app.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.State == MediaState.Stored && m.Size == photo.Length)));
        var admin = app.Api(customer.Workspace.AdminKey);
        foreach (var action in new[] { "grant", "withdraw", "grant" })
        {
            (await app.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", action, occurredAt: app.Clock.GetUtcNow().UtcDateTime)).EnsureSuccessStatusCode();
            app.Clock.Advance(TimeSpan.FromDays(1));
        }

        // Another workspace with old data and no rules is never touched.
        var other = await app.SandboxCustomerAsync("Fremde alte Nachricht");

        app.Clock.Advance(TimeSpan.FromDays(10));
        await app.CustomerWritesAsync(customer.PhoneNumberId, customer.WaId, "Neue Nachricht");
        (await admin.PutAsJsonAsync("/api/v1/retention", new { messageContentDays = 7, mediaDays = 7, consentEvidenceYears = 1 })).EnsureSuccessStatusCode();

        var preview = await admin.GetFromJsonAsync<JsonElement>("/api/v1/retention/preview");
        int Count(JsonElement report, string category) => report.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == category).GetProperty("count").GetInt32();
        Assert.Equal(2, Count(preview, "messageContent")); // the first text and the photo's caption
        Assert.Equal(1, Count(preview, "media"));
        Assert.Equal(0, Count(preview, "consentEvidence")); // superseded 11–12 days ago, kept a year

        await RunJobAsync(app);

        var texts = await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == customer.ConversationId && m.Direction == MessageDirection.Inbound)
            .OrderBy(m => m.CreatedAt).Select(m => m.Content).ToListAsync());
        Assert.Equal(["{}", "{}"], texts.Take(2));
        Assert.Contains("Neue Nachricht", texts[2], StringComparison.Ordinal);
        Assert.Equal(MediaState.Expired, (await app.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().SingleAsync(m => m.Id == media.Id))).State);
        Assert.False(File.Exists(Path.Combine(app.Database.DataDirectory, "media", media.WorkspaceId.ToString("N"), media.Id.ToString("N"))));
        Assert.Contains("Fremde alte Nachricht", await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == other.ConversationId).Select(m => m.Content).FirstAsync()), StringComparison.Ordinal);
        var after = await admin.GetFromJsonAsync<JsonElement>("/api/v1/retention/preview");
        Assert.Equal(0, Count(after, "messageContent") + Count(after, "media"));
        var rules = await admin.GetFromJsonAsync<JsonElement>("/api/v1/retention");
        Assert.Equal(2, rules.GetProperty("lastRun").GetProperty("messageContent").GetInt32());
        Assert.Contains("retention.applied", await admin.GetStringAsync("/api/v1/audit-log"), StringComparison.Ordinal);

        // A year on, the two superseded statements go; the one that proves today's state stays.
        app.Clock.Advance(TimeSpan.FromDays(365));
        Assert.Equal(2, Count(await admin.GetFromJsonAsync<JsonElement>("/api/v1/retention/preview"), "consentEvidence"));
        await RunJobAsync(app);
        var ledger = await app.ConsentOfAsync(customer.Workspace.AdminKey, customer.ContactId);
        Assert.Equal("granted", ConsentTestExtensions.StateOf(ledger, "marketing"));
        Assert.Single(await app.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().Where(r => r.ContactId == customer.ContactId).ToListAsync()));
    }

    [Fact]
    public async Task ResolvedConversations_AndTheAuditLog_GoAfterTheirTime()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var customer = await app.SandboxCustomerAsync("Erledigt bitte");
        var admin = app.Api(customer.Workspace.AdminKey);
        (await admin.PutAsJsonAsync("/api/v1/retention", new { resolvedConversationDays = 30, auditLogDays = 180 })).EnsureSuccessStatusCode();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await app.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == customer.ConversationId)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, ConversationStatus.Resolved).SetProperty(c => c.UpdatedAt, now)));

        app.Clock.Advance(TimeSpan.FromDays(29));
        await RunJobAsync(app);
        Assert.Contains("Erledigt bitte", await FirstContentAsync(app, customer.ConversationId), StringComparison.Ordinal);
        app.Clock.Advance(TimeSpan.FromDays(2));
        await RunJobAsync(app);
        Assert.Equal("{}", await FirstContentAsync(app, customer.ConversationId));

        app.Clock.Advance(TimeSpan.FromDays(150)); // the rule change is now 181 days old, the last run's entry 150
        await RunJobAsync(app);
        var audit = await admin.GetStringAsync("/api/v1/audit-log");
        Assert.DoesNotContain("retention.changed", audit, StringComparison.Ordinal);
        Assert.Contains("retention.applied", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStatusThatFoundNoMessageInADay_IsDropped_ForItCarriesTheNumber()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var old = new Parley.Channels.WhatsApp.PendingStatus { ProviderMessageId = "wamid.gone", Payload = "{\"recipient_id\":\"491701234567\"}", ReceivedAt = app.Clock.GetUtcNow().UtcDateTime };
        await app.WithDbAsync(async db =>
        {
            db.PendingStatuses.Add(old);
            return await db.SaveChangesAsync();
        });
        app.Clock.Advance(TimeSpan.FromHours(25));
        var fresh = new Parley.Channels.WhatsApp.PendingStatus { ProviderMessageId = "wamid.soon", Payload = "{}", ReceivedAt = app.Clock.GetUtcNow().UtcDateTime };
        await app.WithDbAsync(async db =>
        {
            db.PendingStatuses.Add(fresh);
            return await db.SaveChangesAsync();
        });

        await RunJobAsync(app);

        Assert.Equal(["wamid.soon"], await app.WithDbAsync(db => db.PendingStatuses.Select(p => p.ProviderMessageId).ToListAsync()));
    }

    [Fact]
    public async Task AProcessedWebhookBody_IsDeletedAfterADay_WhileDeadLettersAndNewerBodiesStay()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var (_, phoneNumberId) = await app.ConnectSandboxNumberAsync(workspace);
        var customer = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        (await app.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new { from = customer, phoneNumberId, type = "text", text = new { body = "Meine Adresse ist geheim" } })).EnsureSuccessStatusCode();
        var processed = await Eventually.ValueAsync(async () => await app.WithDbAsync(db => db.WebhookDeliveries.Where(d => d.ProcessedAt != null).Select(d => (long?)d.Id).FirstOrDefaultAsync()));
        Task<int> StoreAsync(Parley.Channels.WhatsApp.WebhookDelivery delivery) => app.WithDbAsync(db =>
        {
            db.WebhookDeliveries.Add(delivery);
            return db.SaveChangesAsync();
        });
        var dead = new Parley.Channels.WhatsApp.WebhookDelivery { ReceivedAt = app.Clock.GetUtcNow().UtcDateTime, Body = "{not json"u8.ToArray(), DeadAt = app.Clock.GetUtcNow().UtcDateTime, LastError = "Not understood" };
        await StoreAsync(dead);

        app.Clock.Advance(TimeSpan.FromHours(23));
        await RunJobAsync(app);
        Assert.True(await app.WithDbAsync(db => db.WebhookDeliveries.AnyAsync(d => d.Id == processed)), "A body younger than a day is kept.");

        app.Clock.Advance(TimeSpan.FromHours(2));
        var fresh = new Parley.Channels.WhatsApp.WebhookDelivery { ReceivedAt = app.Clock.GetUtcNow().UtcDateTime, Body = "{}"u8.ToArray(), ProcessedAt = app.Clock.GetUtcNow().UtcDateTime };
        await StoreAsync(fresh);
        await RunJobAsync(app);

        var left = await app.WithDbAsync(db => db.WebhookDeliveries.Select(d => d.Id).ToListAsync());
        Assert.DoesNotContain(processed, left);
        Assert.Contains(dead.Id, left);
        Assert.Contains(fresh.Id, left);
        Assert.Equal(1, await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().CountAsync(m => m.Content.Contains("geheim"))));
    }

    private static Task<string> FirstContentAsync(ParleyApp app, Guid conversationId) =>
        app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == conversationId).OrderBy(m => m.CreatedAt).Select(m => m.Content).FirstAsync());

    private static Task RunJobAsync(ParleyApp app) => app.Services.GetRequiredService<RetentionJob>().RunOnceAsync(default);
}
