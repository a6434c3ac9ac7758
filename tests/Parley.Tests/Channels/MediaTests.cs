using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class MediaTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task APhotoFromACustomer_IsDownloadedIntoTheMediaStore_AndServedByTheApi()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (_, number) = await App.ConnectSandboxNumberAsync(workspace);
        var photo = new byte[4096];
        Random.Shared.NextBytes(photo);

        var inbound = await App.Api(null).PostAsJsonAsync("/sandbox/api/inbound", new
        {
            from = "4915112345678",
            phoneNumberId = number,
            type = "image",
            image = new { caption = "Mein Rezept", mime_type = "image/jpeg", data = Convert.ToBase64String(photo) },
        });
        inbound.EnsureSuccessStatusCode();

        var media = await Eventually.ObjectAsync(() => App.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.State == MediaState.Stored && m.Size == photo.Length)));
        var api = App.Api(workspace.AdminKey);
        var download = await api.GetAsync($"/api/v1/media/{media.Id}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("image/jpeg", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(photo, await download.Content.ReadAsByteArrayAsync());

        var conversation = (await api.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        var message = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}/messages")).GetProperty("items")[0];
        Assert.Equal("Mein Rezept", message.GetProperty("content").GetProperty("caption").GetString());
        Assert.Equal($"/api/v1/media/{media.Id}", message.GetProperty("media").GetProperty("url").GetString());
    }

    [Fact]
    public async Task MediaWhatsAppNoLongerHas_IsMarkedFailedWithTheReason_NotDropped()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (_, number) = await App.ConnectSandboxNumberAsync(workspace);
        var wamid = "wamid.gone" + Guid.NewGuid().ToString("N");

        await App.PostWebhookAsync($$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"200000000000001","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
             "metadata":{"display_phone_number":"1","phone_number_id":"{{{number}}}"},"contacts":[{"profile":{"name":"X"},"wa_id":"4915100000001"}],
             "messages":[{"from":"4915100000001","id":"{{{wamid}}}","timestamp":"1790000000","type":"document","document":{"id":"123456789","mime_type":"application/pdf","sha256":"abc","filename":"Rechnung.pdf"}}]}}]}]}
            """);

        var media = await Eventually.ObjectAsync(() => App.WithDbAsync(db => db.MediaFiles.IgnoreQueryFilters().FirstOrDefaultAsync(m => m.ProviderMediaId == "123456789" && m.State == MediaState.Failed)));
        Assert.Contains("send it again", media.LastError, StringComparison.Ordinal);
        var download = await App.Api(workspace.AdminKey).GetAsync($"/api/v1/media/{media.Id}");
        Assert.Equal(HttpStatusCode.Gone, download.StatusCode);
    }
}
