using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Parley.Inbox;
using Parley.Tests.Consent;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Privacy;

/// <summary>Data-subject requests: a person's data as an archive, and erasure that leaves nothing of them but counts.</summary>
public sealed class DataSubjectTests
{
    /// <summary>A customer who wrote a text and sent a photo, got a reply and gave marketing consent, in an app of the test's own.</summary>
    private static async Task<(SandboxCustomer Customer, byte[] Photo, string[] Texts)> PersonAsync(ParleyApp app)
    {
        var secret = Guid.NewGuid().ToString("N")[..10];
        string[] texts = [$"Mein Geheimnis {secret}", $"Rezeptfoto {secret}", $"Antwort an dich {secret}"];
        var customer = await app.SandboxCustomerAsync(texts[0]);
        var photo = Encoding.ASCII.GetBytes($"PHOTO-{secret}-" + new string('x', 2000));
        (await app.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new
        {
            from = customer.WaId,
            phoneNumberId = customer.PhoneNumberId,
            type = "image",
            image = new { caption = texts[1], mime_type = "image/jpeg", data = Convert.ToBase64String(photo) },
        })).EnsureSuccessStatusCode();
        await Eventually.ObjectAsync(() => app.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.State == MediaState.Stored && m.Size == photo.Length)));
        var reply = await app.Api(customer.Workspace.AdminKey).PostAsJsonAsync($"/api/v1/conversations/{customer.ConversationId}/messages", new { type = "text", text = new { body = texts[2] } });
        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
        await Eventually.ValueAsync(async () => await app.WithDbAsync(db => db.Messages.IgnoreQueryFilters().AnyAsync(m => m.ConversationId == customer.ConversationId && m.Status == MessageStatus.Read)) ? true : (bool?)null);
        (await app.RecordConsentAsync(customer.Workspace.AdminKey, customer.ContactId, "marketing", "grant")).EnsureSuccessStatusCode();
        await app.WaitForWebhooksAsync();
        return (customer, photo, texts);
    }

    [Fact]
    public async Task Export_IsAZipWithTheWholeStoryAndTheMedia_ForRolesThatMaySeeNumbers_AndIsAudited()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var (customer, photo, texts) = await PersonAsync(app);
        var admin = app.Api(customer.Workspace.AdminKey);

        var marketer = app.Api(await app.CreateKeyAsync(customer.Workspace.Slug, "marketer"));
        Assert.Equal(HttpStatusCode.Forbidden, (await marketer.GetAsync($"/api/v1/contacts/{customer.ContactId}/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/contacts/{Guid.NewGuid()}/export")).StatusCode);
        var response = await admin.GetAsync($"/api/v1/contacts/{customer.ContactId}/export");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync());
        using var json = JsonDocument.Parse(zip.GetEntry("contact.json")!.Open());
        var root = json.RootElement;
        Assert.Equal("+" + customer.WaId, root.GetProperty("contact").GetProperty("phone").GetString());
        var messages = root.GetProperty("conversations")[0].GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(texts[0], messages[0].GetProperty("content").GetProperty("body").GetString());
        Assert.Contains(messages, m => m.GetProperty("content").TryGetProperty("body", out var body) && body.GetString() == texts[2]);
        var file = messages.Single(m => m.GetProperty("type").GetString() == "image").GetProperty("file").GetString()!;
        await using (var stored = zip.GetEntry(file)!.Open())
        {
            using var copy = new MemoryStream();
            await stored.CopyToAsync(copy);
            Assert.Equal(photo, copy.ToArray());
        }

        var consent = root.GetProperty("consent");
        Assert.Equal("marketing", consent.GetProperty("records")[0].GetProperty("purpose").GetString());
        Assert.True(consent.GetProperty("current")[0].GetProperty("granted").GetBoolean());
        var audit = await admin.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("contact.exported", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(customer.WaId, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasure_LeavesNeitherNumberNorTextInTheDatabaseOrMediaStore_ButTheCountsAndAReceipt()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var (customer, photo, texts) = await PersonAsync(app);
        var admin = app.Api(customer.Workspace.AdminKey);
        var before = await CountsAsync(app, customer.ConversationId);
        var customerId = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{customer.ContactId}")).GetProperty("customerId").GetString()!;

        Assert.Equal(HttpStatusCode.Forbidden, (await app.Api(await app.CreateKeyAsync(customer.Workspace.Slug, "agent")).DeleteAsync($"/api/v1/contacts/{customer.ContactId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/contacts/{customer.ContactId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/contacts/{customer.ContactId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/contacts/{customer.ContactId}")).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/v1/contacts")).GetProperty("items").EnumerateArray());
        Assert.Equal(before, await CountsAsync(app, customer.ConversationId)); // conversations and messages by direction and status still count
        var search = await admin.GetFromJsonAsync<JsonElement>("/api/v1/conversations");
        Assert.Equal(customer.ConversationId, search.GetProperty("items")[0].GetProperty("id").GetGuid());
        var receipt = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit-log")).GetProperty("items").EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == "contact.erased");
        Assert.StartsWith($"{customerId}: 1 conversations and ", receipt.GetProperty("details").GetString(), StringComparison.Ordinal);

        string[] secrets = [customer.WaId, "+" + customer.WaId, .. texts, "Sandra Sandbox"];
        var media = Path.Combine(app.Database.DataDirectory, "media");
        foreach (var path in Directory.Exists(media) ? Directory.EnumerateFiles(media, "*", SearchOption.AllDirectories) : [])
        {
            Assert.False((await File.ReadAllBytesAsync(path)).AsSpan().IndexOf(photo) >= 0, $"The photo is still in {path}");
        }

        if (TestDatabase.IsPostgres)
        {
            await AssertNotInPostgresAsync(app.Database.PostgresConnectionString!, secrets);
        }
        else
        {
            foreach (var path in Directory.EnumerateFiles(app.Database.DataDirectory, "parley*.db*"))
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var bytes = new MemoryStream();
                await file.CopyToAsync(bytes);
                foreach (var secret in secrets)
                {
                    Assert.False(bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, $"'{secret}' is still in {Path.GetFileName(path)}");
                }
            }
        }
    }

    [Fact]
    public async Task ContactPage_DownloadsTheArchive_AndErasesOnlyWithTheCustomerIdTyped()
    {
        await using var app = new ParleyApp();
        await app.InitializeAsync();
        var customer = await app.SandboxCustomerAsync("Bitte alles löschen");
        var browser = app.Browser();
        await ParleyApp.SignInAsync(browser, customer.Workspace.Owner.Email, customer.Workspace.Owner.Password);
        var path = $"/w/{customer.Workspace.Slug}/contacts/{customer.ContactId}";
        var customerId = (await app.Api(customer.Workspace.AdminKey).GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{customer.ContactId}")).GetProperty("customerId").GetString()!;

        var archive = await browser.GetAsync($"{path}?handler=export");
        Assert.Equal("application/zip", archive.Content.Headers.ContentType?.MediaType);
        using (var zip = new ZipArchive(await archive.Content.ReadAsStreamAsync()))
        {
            Assert.NotNull(zip.GetEntry("contact.json"));
        }

        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        var wrong = await browser.PostAsync($"{path}?handler=erase", Form(token, ("confirm", "C-000000")));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Type the customer ID shown above", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var erased = await browser.PostAsync($"{path}?handler=erase", Form(token, ("confirm", customerId.ToLowerInvariant())));
        Assert.Equal(HttpStatusCode.Redirect, erased.StatusCode);
        Assert.Contains($"{customerId} has been erased", await browser.GetStringAsync(erased.Headers.Location!.OriginalString), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync(path)).StatusCode);
    }

    private static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).Append(KeyValuePair.Create("__RequestVerificationToken", token)));

    private static Task<string> CountsAsync(ParleyApp app, Guid conversationId) => app.WithDbAsync(async db =>
    {
        var messages = await db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == conversationId)
            .GroupBy(m => new { m.Direction, m.Status }).Select(g => $"{g.Key.Direction}/{g.Key.Status}: {g.Count()}").ToListAsync();
        return string.Join(", ", messages.Order(StringComparer.Ordinal)) + $"; conversations {await db.Conversations.IgnoreQueryFilters().CountAsync(c => c.Id == conversationId)}";
    });

    /// <summary>Every text-like column of every table, searched for each secret.</summary>
    private static async Task AssertNotInPostgresAsync(string connectionString, string[] secrets)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var columns = new List<(string Table, string Column, string Type)>();
        await using (var command = new NpgsqlCommand(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'bytea', 'jsonb')", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        foreach (var (table, column, type) in columns)
        {
            var found = type == "bytea" ? $"position(convert_to(@secret, 'UTF8') in \"{column}\") > 0" : $"strpos(\"{column}\"::text, @secret) > 0";
            foreach (var secret in secrets)
            {
                await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{table}\" WHERE {found}", connection);
                command.Parameters.AddWithValue("secret", secret);
                Assert.True((long)(await command.ExecuteScalarAsync())! == 0, $"'{secret}' is still in {table}.{column}");
            }
        }
    }
}
