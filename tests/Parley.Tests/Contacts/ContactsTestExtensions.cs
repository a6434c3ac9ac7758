using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public static class ContactsTestExtensions
{
    public static async Task<JsonElement> CreateContactAsync(this HttpClient api, object body)
    {
        var response = await api.PostAsJsonAsync("/api/v1/contacts", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> PostOkAsync(this HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Task<JsonElement> DefineAttributeAsync(this HttpClient api, string key, string type, params string[] options) =>
        api.PostOkAsync("/api/v1/attributes", new { key, name = key, type, options = options.Length > 0 ? options : null });

    /// <summary>Posts a CSV (UTF-8 unless bytes are given) to the import endpoint and returns the report.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> ImportAsync(this HttpClient api, string csv, string mode = "dryRun", bool strict = false, object? mapping = null, byte[]? bytes = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes ?? Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "contacts.csv");
        form.Add(new StringContent(mode), "mode");
        form.Add(new StringContent(strict ? "true" : "false"), "strict");
        if (mapping is not null)
        {
            form.Add(new StringContent(JsonSerializer.Serialize(mapping)), "mapping");
        }

        var response = await api.PostAsync("/api/v1/contacts/import", form);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<List<JsonElement>> ContactsAsync(this HttpClient api, string query = "")
    {
        var page = await api.GetFromJsonAsync<JsonElement>("/api/v1/contacts?limit=200" + query);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>An inbound text from a customer, through a signed webhook, processed.</summary>
    public static async Task InboundAsync(this ParleyApp app, string phoneNumberId, string from, string text, string name = "Erika Mustermann")
    {
        var wamid = "wamid." + Guid.NewGuid().ToString("N");
        (await app.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, from, wamid, text, app.Clock.GetUtcNow(), name))).EnsureSuccessStatusCode();
        await app.WaitForWebhooksAsync();
    }

    public static string NewPhoneNumberId() => "5" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    /// <summary>A German mobile number nobody else in the test run uses, as wa_id digits.</summary>
    public static string NewWaId() => "49171" + Random.Shared.Next(1_000_000, 9_999_999);
}
