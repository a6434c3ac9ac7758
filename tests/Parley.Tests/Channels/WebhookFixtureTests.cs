using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>
/// Every recorded webhook in shared/reference/whatsapp-fixtures is posted byte for byte, signed, to a
/// fresh Parley, and must be applied completely: no dead letter, every message, status and event kept.
/// </summary>
public sealed class WebhookFixtureTests
{
    public static TheoryData<string> Fixtures() => [.. Directory.GetFiles(FixtureDirectory(), "webhook_*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Fixture_IsParsedAndProcessedCompletely(string file)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(FixtureDirectory(), file));
        using var expected = JsonDocument.Parse(bytes);
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var workspaceId = await app.WithDbAsync(db => db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == workspace.Slug).Select(w => w.Id).SingleAsync());
        await ConnectFixtureNumbersAsync(app, workspaceId, expected.RootElement);

        Assert.Equal(HttpStatusCode.OK, (await app.PostWebhookAsync(bytes)).StatusCode);
        await app.WaitForWebhooksAsync();

        var delivery = await app.WithDbAsync(db => db.WebhookDeliveries.SingleAsync());
        Assert.True(delivery.ProcessedAt is not null, $"{file}: {delivery.LastError}");
        Assert.Equal(bytes, delivery.Body);

        foreach (var change in expected.RootElement.GetProperty("entry").EnumerateArray().SelectMany(e => e.GetProperty("changes").EnumerateArray()))
        {
            var value = change.GetProperty("value");
            var field = change.GetProperty("field").GetString()!;
            foreach (var message in value.TryGetProperty("messages", out var messages) ? messages.EnumerateArray() : default)
            {
                var id = message.GetProperty("id").GetString();
                var stored = await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ProviderMessageId == id));
                Assert.Equal((message.GetProperty("type").GetString(), MessageDirection.Inbound, workspaceId), (stored.Type, stored.Direction, stored.WorkspaceId));
            }

            foreach (var status in value.TryGetProperty("statuses", out var statuses) ? statuses.EnumerateArray() : default)
            {
                var id = status.GetProperty("id").GetString();
                Assert.True(await app.WithDbAsync(db => db.PendingStatuses.AnyAsync(p => p.ProviderMessageId == id)), $"{file}: status for {id} was not kept");
            }

            if (field != "messages")
            {
                Assert.True(await app.WithDbAsync(db => db.WhatsAppEvents.IgnoreQueryFilters().AnyAsync(e => e.Field == field && e.WorkspaceId == workspaceId)), $"{file}: the {field} event was not kept for the workspace");
            }

            if (value.TryGetProperty("errors", out _))
            {
                Assert.True(await app.WithDbAsync(db => db.WhatsAppEvents.IgnoreQueryFilters().AnyAsync(e => e.Field == "errors" && e.WorkspaceId == workspaceId)));
            }
        }
    }

    [Fact]
    public async Task UnsupportedMessage_KeepsWhatsAppsError()
    {
        var message = await ProcessSingleMessageAsync("webhook_msg_unsupported_errors.json");

        Assert.Equal(131051, message.ErrorCode);
        Assert.False(string.IsNullOrEmpty(message.ErrorTitle));
    }

    [Fact]
    public async Task Reaction_PointsAtTheMessageItReactsTo()
    {
        var message = await ProcessSingleMessageAsync("webhook_msg_reaction.json");

        Assert.Equal("reaction", message.Type);
        Assert.NotNull(message.ContextMessageId);
        Assert.Contains("emoji", message.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NumberChange_MovesTheContactToItsNewWhatsAppId()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var workspaceId = await app.WithDbAsync(db => db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == workspace.Slug).Select(w => w.Id).SingleAsync());
        var bytes = await File.ReadAllBytesAsync(Path.Combine(FixtureDirectory(), "webhook_msg_system_user_changed_number.json"));
        using (var document = JsonDocument.Parse(bytes))
        {
            await ConnectFixtureNumbersAsync(app, workspaceId, document.RootElement);
        }

        await app.PostWebhookAsync(bytes);
        await app.WaitForWebhooksAsync();

        var contact = await app.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().SingleAsync());
        Assert.Equal("972912345678", contact.WaId);
    }

    private static async Task<Message> ProcessSingleMessageAsync(string file)
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var workspace = await app.CreateWorkspaceAsync();
        var workspaceId = await app.WithDbAsync(db => db.Workspaces.IgnoreQueryFilters().Where(w => w.Slug == workspace.Slug).Select(w => w.Id).SingleAsync());
        var bytes = await File.ReadAllBytesAsync(Path.Combine(FixtureDirectory(), file));
        using (var document = JsonDocument.Parse(bytes))
        {
            await ConnectFixtureNumbersAsync(app, workspaceId, document.RootElement);
        }

        await app.PostWebhookAsync(bytes);
        await app.WaitForWebhooksAsync();
        return await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync());
    }

    /// <summary>The fixtures use placeholder ids ("PHONE_NUMBER_ID"); the rows are written directly, past the API's digit check.</summary>
    private static async Task ConnectFixtureNumbersAsync(ParleyApp app, Guid workspaceId, JsonElement root)
    {
        var secrets = app.Services.GetService(typeof(Parley.Hosting.Secrets)) as Parley.Hosting.Secrets;
        await app.WithDbAsync(async db =>
        {
            foreach (var entry in root.GetProperty("entry").EnumerateArray())
            {
                var wabaId = entry.GetProperty("id").GetString()!;
                var phoneNumberIds = entry.GetProperty("changes").EnumerateArray()
                    .Select(c => c.GetProperty("value").TryGetProperty("metadata", out var m) ? m.GetProperty("phone_number_id").GetString() : null)
                    .Distinct()
                    .ToList();
                foreach (var phoneNumberId in phoneNumberIds)
                {
                    db.WhatsAppNumbers.Add(new WhatsAppNumber
                    {
                        WorkspaceId = workspaceId,
                        PhoneNumberId = phoneNumberId ?? $"waba-{wabaId}",
                        WabaId = wabaId,
                        DisplayPhoneNumber = "+1 555 0100",
                        AccessTokenProtected = secrets!.Protect("token"),
                        CreatedAt = app.Clock.GetUtcNow().UtcDateTime,
                    });
                }
            }

            return await db.SaveChangesAsync();
        });
    }

    internal static string FixtureDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "shared", "reference", "whatsapp-fixtures")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("shared/reference/whatsapp-fixtures not found above the test directory"), "shared", "reference", "whatsapp-fixtures");
    }
}
