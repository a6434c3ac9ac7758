using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>Sending media by upload: Parley's media store, the upload to WhatsApp per number, and the sandbox's media endpoints.</summary>
public sealed class MediaUploadTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Theory]
    [InlineData("image/gif", 1000, "Files of type 'image/gif' cannot be sent")]
    [InlineData("image/jpeg", 5 * 1024 * 1024 + 1, "up to 5 MB")]
    [InlineData("image/webp", 100 * 1024 + 1, "static stickers (image/webp) up to 100 KB")]
    [InlineData("video/mp4", 16 * 1024 * 1024 + 1, "up to 16 MB")]
    public async Task Upload_ThatWhatsAppWouldRefuse_IsA400SayingWhatIsAllowed(string type, int size, string expected)
    {
        var workspace = await App.CreateWorkspaceAsync();

        var response = await UploadAsync(App.Api(workspace.AdminKey), new byte[size], type, "datei");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("file")[0].GetString();
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("image/jpeg, image/png", error, StringComparison.Ordinal);
        Assert.False(await App.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().AnyAsync(f => f.Size == size && f.MimeType == type)));
    }

    [Fact]
    public async Task Upload_WithoutTheSendMessagesPermission_IsForbidden()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var viewer = await App.CreateKeyAsync(workspace.Slug, "viewer");

        var response = await UploadAsync(App.Api(viewer), SandboxPhoto(), "image/png", "foto.png");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task UploadedPhoto_ReachesTheCustomer_WithTheSameBytes_AndItsWhatsAppIdIsReused()
    {
        var (workspace, conversationId, customer, phoneNumberId) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);
        var photo = SandboxPhoto();

        var upload = await UploadAsync(api, photo, "image/png", "Werkstatt.png");
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var uploaded = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("image", "image/png", photo.Length), (uploaded.GetProperty("kind").GetString(), uploaded.GetProperty("mimeType").GetString(), uploaded.GetProperty("size").GetInt32()));
        var mediaId = uploaded.GetProperty("id").GetGuid();
        Assert.Equal(photo, await api.GetByteArrayAsync($"/api/v1/media/{mediaId}"));

        var first = await SendPhotoAsync(api, conversationId, mediaId, "Ihr Auto ist fertig");
        var second = await SendPhotoAsync(api, conversationId, mediaId, "Noch einmal");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);

        var received = await Eventually.ObjectAsync(async () =>
        {
            var phone = await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}");
            var images = phone.EnumerateArray().Where(m => m.GetProperty("type").GetString() == "image").ToList();
            return images.Count == 2 ? images : null;
        });
        var image = received[0].GetProperty("message").GetProperty("image");
        Assert.Equal("Ihr Auto ist fertig", image.GetProperty("caption").GetString());
        Assert.False(image.TryGetProperty("mediaId", out _));
        var graphId = image.GetProperty("id").GetString()!;
        Assert.Equal(graphId, received[1].GetProperty("message").GetProperty("image").GetProperty("id").GetString());
        Assert.Equal(photo, await DownloadFromSandboxAsync(phoneNumberId, graphId));

        // Parley's view keeps its own id and shows the message sent.
        var sentId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var sent = await Eventually.ObjectAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().FirstAsync(m => m.Id == sentId)) is { ProviderMessageId: not null } m ? m : null);
        Assert.Contains(mediaId.ToString(), sent.Content, StringComparison.Ordinal);
        var listed = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversationId}/messages")).GetProperty("items").EnumerateArray().Single(m => m.GetProperty("id").GetGuid() == sentId);
        Assert.Equal($"/api/v1/media/{mediaId}", listed.GetProperty("media").GetProperty("url").GetString());
    }

    [Fact]
    public async Task UploadedFile_IsUploadedAgain_OnceItsWhatsAppIdIsAboutToExpire()
    {
        var (workspace, conversationId, customer, phoneNumberId) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);
        var mediaId = (await (await UploadAsync(api, SandboxPhoto(), "image/png", "a.png")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await SendPhotoAsync(api, conversationId, mediaId, "eins");
        var firstId = await Eventually.ObjectAsync(() => App.WithDbAsync(db => db.MediaUploads.IgnoreQueryFilters().Where(u => u.MediaFileId == mediaId).Select(u => u.ProviderMediaId).FirstOrDefaultAsync()));

        App.Clock.Advance(TimeSpan.FromDays(29.5));
        (await App.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new { from = customer, phoneNumberId, type = "text", text = new { body = "Noch da?" } })).EnsureSuccessStatusCode();
        await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().AnyAsync(c => c.Id == conversationId && c.LastInboundAt > App.Clock.GetUtcNow().UtcDateTime.AddHours(-1))) ? true : (bool?)null);
        var again = await SendPhotoAsync(api, conversationId, mediaId, "zwei");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);

        var secondId = await Eventually.ObjectAsync(() => App.WithDbAsync(db => db.MediaUploads.IgnoreQueryFilters().Where(u => u.MediaFileId == mediaId && u.ProviderMediaId != firstId).Select(u => u.ProviderMediaId).FirstOrDefaultAsync()));
        var phone = await Eventually.ObjectAsync(async () =>
        {
            var messages = await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}");
            var images = messages.EnumerateArray().Where(m => m.GetProperty("type").GetString() == "image").ToList();
            return images.Count == 2 ? images : null;
        });
        Assert.Equal(secondId, phone[1].GetProperty("message").GetProperty("image").GetProperty("id").GetString());
    }

    [Fact]
    public async Task UploadedFile_ThatVanishedFromTheStore_FailsTheMessageWithTheReason()
    {
        var (workspace, conversationId, _, _) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);
        var mediaId = (await (await UploadAsync(api, SandboxPhoto(), "image/png", "weg.png")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var file = await App.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().SingleAsync(f => f.Id == mediaId));
        App.Services.GetRequiredService<MediaStore>().Delete(file);

        var response = await SendPhotoAsync(api, conversationId, mediaId, "Foto");

        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var failed = await Eventually.ObjectAsync(async () => await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().FirstAsync(m => m.Id == id)) is { Status: MessageStatus.Failed } m ? m : null);
        Assert.Equal(131053, failed.ErrorCode);
        Assert.Contains("no longer in Parley's media store", failed.ErrorDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherWorkspacesFile_CanNeitherBeSentNorDownloaded()
    {
        var other = await App.CreateWorkspaceAsync();
        var foreign = (await (await UploadAsync(App.Api(other.AdminKey), SandboxPhoto(), "image/png", "fremd.png")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var (workspace, conversationId, _, _) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);

        var send = await SendPhotoAsync(api, conversationId, foreign, "fremd");
        var download = await api.GetAsync($"/api/v1/media/{foreign}");

        Assert.Equal(HttpStatusCode.BadRequest, send.StatusCode);
        Assert.Contains("upload it first", (await send.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("image.mediaId")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
    }

    [Fact]
    public async Task StoredFile_OfTheWrongKind_IsRefusedForThatMessageType()
    {
        var (workspace, conversationId, _, _) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);
        var pdf = (await (await UploadAsync(api, "%PDF-1.4 Rechnung"u8.ToArray(), "application/pdf", "Rechnung.pdf")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var asImage = await SendPhotoAsync(api, conversationId, pdf, "nein");
        var asDocument = await api.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new { type = "document", document = new { mediaId = pdf } });

        Assert.Equal(HttpStatusCode.BadRequest, asImage.StatusCode);
        Assert.Contains("application/pdf", (await asImage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("image.mediaId")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, asDocument.StatusCode);
        Assert.Equal("Rechnung.pdf", (await asDocument.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("content").GetProperty("filename").GetString());
    }

    [Fact]
    public async Task UploadedFiles_InATemplateHeader_AndAnInteractiveHeader_ReachTheCustomerAsWhatsAppIds()
    {
        var (workspace, conversationId, customer, phoneNumberId) = await ConversationAsync();
        var api = App.Api(workspace.AdminKey);
        var photo = SandboxPhoto();
        var photoId = (await (await UploadAsync(api, photo, "image/png", "Auto.png")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var pdfId = (await (await UploadAsync(api, "%PDF-1.4 Rechnung"u8.ToArray(), "application/pdf", "Rechnung.pdf")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var template = await api.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new
        {
            type = "template",
            template = new
            {
                name = "car_ready",
                language = new { code = "de" },
                components = new object[]
                {
                    new { type = "header", parameters = new[] { new { type = "image", image = new { mediaId = photoId } } } },
                    new { type = "body", parameters = new[] { new { type = "text", text = "Frau Muster" }, new { type = "text", text = "M-PA 1234" } } },
                },
            },
        });
        var interactive = await api.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new
        {
            type = "interactive",
            interactive = new
            {
                type = "button",
                header = new { type = "document", document = new { mediaId = pdfId } },
                body = new { text = "Ihre Rechnung. Passt alles?" },
                action = new { buttons = new[] { new { type = "reply", reply = new { id = "ok", title = "Ja" } } } },
            },
        });
        var wrongKind = await api.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new
        {
            type = "interactive",
            interactive = new
            {
                type = "button",
                header = new { type = "image", image = new { mediaId = pdfId } },
                body = new { text = "Kein Bild" },
                action = new { buttons = new[] { new { type = "reply", reply = new { id = "ok", title = "Ja" } } } },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, template.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, interactive.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        Assert.Contains("application/pdf", (await wrongKind.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("interactive.header.image.mediaId")[0].GetString(), StringComparison.Ordinal);
        var received = await Eventually.ObjectAsync(async () =>
        {
            var phone = await App.Api(null).GetFromJsonAsync<JsonElement>($"/sandbox/api/messages?to={customer}");
            var sent = phone.EnumerateArray().Where(m => m.GetProperty("type").GetString() is "template" or "interactive").ToList();
            return sent.Count == 2 ? sent : null;
        });
        var header = received.Single(m => m.GetProperty("type").GetString() == "template").GetProperty("message").GetProperty("template")
            .GetProperty("components")[0].GetProperty("parameters")[0].GetProperty("image");
        Assert.False(header.TryGetProperty("mediaId", out _));
        Assert.Equal(photo, await DownloadFromSandboxAsync(phoneNumberId, header.GetProperty("id").GetString()!));
        var document = received.Single(m => m.GetProperty("type").GetString() == "interactive").GetProperty("message").GetProperty("interactive").GetProperty("header").GetProperty("document");
        Assert.Equal("%PDF-1.4 Rechnung"u8.ToArray(), await DownloadFromSandboxAsync(phoneNumberId, document.GetProperty("id").GetString()!));
    }

    [Fact]
    public async Task Sandbox_MediaUpload_AnswersLikeMeta_AndSendsCheckTheId()
    {
        var (number, token) = await SandboxNumberAsync();
        var graph = App.Api(null);

        var gif = await SandboxUploadAsync(graph, number, token, [1, 2, 3], "image/gif");
        var tooBig = await SandboxUploadAsync(graph, number, token, new byte[5 * 1024 * 1024 + 1], "image/jpeg");
        var wrongToken = await SandboxUploadAsync(graph, number, "EAAG-wrong", [1, 2, 3], "image/png");
        var ok = await SandboxUploadAsync(graph, number, token, [1, 2, 3], "image/png");

        var gifError = (await gif.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(100, gifError.GetProperty("code").GetInt32());
        Assert.StartsWith("(#100) Param file must be a file with one of the following types: audio/aac", gifError.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(131053, (await tooBig.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(190, (await wrongToken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var id = (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Matches("^[0-9]+$", id);

        var unknown = await SandboxSendImageAsync(graph, number, token, "123456789");
        Assert.Equal(131053, (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await SandboxSendImageAsync(graph, number, token, id)).StatusCode);

        var delete = new HttpRequestMessage(HttpMethod.Delete, $"/sandbox/graph/v23.0/{id}");
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var deleted = await graph.SendAsync(delete);
        Assert.True((await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("success").GetBoolean());
        var lookup = new HttpRequestMessage(HttpMethod.Get, $"/sandbox/graph/v23.0/{id}");
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(100, (await (await graph.SendAsync(lookup)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(131053, (await (await SandboxSendImageAsync(graph, number, token, id)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
    }

    /// <summary>A PNG that is not the sandbox placeholder, so bytes that arrive prove they were the uploaded ones.</summary>
    private static byte[] SandboxPhoto()
    {
        var bytes = new byte[3000];
        Random.Shared.NextBytes(bytes);
        "\x89PNG\r\n\x1a\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient api, byte[] bytes, string type, string fileName)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        var form = new MultipartFormDataContent { { file, "file", fileName } };
        return api.PostAsync("/api/v1/media", form);
    }

    private static Task<HttpResponseMessage> SendPhotoAsync(HttpClient api, Guid conversationId, Guid mediaId, string caption) =>
        api.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new { type = "image", image = new { mediaId, caption } });

    private async Task<byte[]> DownloadFromSandboxAsync(string phoneNumberId, string graphId)
    {
        var (_, token) = await SandboxNumberAsync(phoneNumberId);
        var lookup = new HttpRequestMessage(HttpMethod.Get, $"/sandbox/graph/v23.0/{graphId}?phone_number_id={phoneNumberId}");
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var url = (await (await App.Api(null).SendAsync(lookup)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var download = new HttpRequestMessage(HttpMethod.Get, new Uri(url).PathAndQuery);
        download.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await (await App.Api(null).SendAsync(download)).Content.ReadAsByteArrayAsync();
    }

    private async Task<(string PhoneNumberId, string Token)> SandboxNumberAsync(string? phoneNumberId = null)
    {
        var numbers = await App.Api(null).GetFromJsonAsync<JsonElement>("/sandbox/api/numbers");
        var number = numbers.EnumerateArray().Last(n => phoneNumberId is null || n.GetProperty("phoneNumberId").GetString() == phoneNumberId);
        return (number.GetProperty("phoneNumberId").GetString()!, number.GetProperty("accessToken").GetString()!);
    }

    private static Task<HttpResponseMessage> SandboxUploadAsync(HttpClient graph, string number, string token, byte[] bytes, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sandbox/graph/v23.0/{number}/media")
        {
            Content = new MultipartFormDataContent { { new StringContent("whatsapp"), "messaging_product" }, { new StringContent(type), "type" }, { file, "file", "upload" } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return graph.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SandboxSendImageAsync(HttpClient graph, string number, string token, string mediaId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/sandbox/graph/v23.0/{number}/messages")
        {
            Content = JsonContent.Create(new { messaging_product = "whatsapp", to = "4915799990000", type = "image", image = new { id = mediaId } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return graph.SendAsync(request);
    }

    /// <summary>A workspace with a sandbox number, and a sandbox customer who has just written in.</summary>
    private async Task<(TestWorkspace Workspace, Guid ConversationId, string Customer, string PhoneNumberId)> ConversationAsync()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (numberId, phoneNumberId) = await App.ConnectSandboxNumberAsync(workspace);
        var customer = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        (await App.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new { from = customer, profileName = "Sandra Sandbox", phoneNumberId, type = "text", text = new { body = "Hallo!" } })).EnsureSuccessStatusCode();
        var conversationId = await Eventually.ValueAsync(async () => await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.WhatsAppNumberId == numberId).Select(c => (Guid?)c.Id).FirstOrDefaultAsync()));
        return (workspace, conversationId, customer, phoneNumberId);
    }
}
