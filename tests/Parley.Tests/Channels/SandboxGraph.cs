using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>Calls the sandbox's Graph API as one of its business numbers (with that number's token).</summary>
public sealed class SandboxGraph(ParleyApp app, string phoneNumberId, string wabaId, string accessToken)
{
    public string PhoneNumberId => phoneNumberId;

    public string WabaId => wabaId;

    public string AccessToken => accessToken;

    public static async Task<SandboxGraph> ForNumberAsync(ParleyApp app, int index = 0)
    {
        var number = (await app.Api(null).GetFromJsonAsync<JsonElement>("/sandbox/api/numbers"))[index];
        return new SandboxGraph(app, number.GetProperty("phoneNumberId").GetString()!, number.GetProperty("wabaId").GetString()!, number.GetProperty("accessToken").GetString()!);
    }

    public Task<SandboxReply> GetAsync(string path, string? token = null) => SendAsync(HttpMethod.Get, path, null, token);

    public Task<SandboxReply> PostAsync(string path, string json, string? token = null) => SendAsync(HttpMethod.Post, path, json, token);

    public Task<SandboxReply> DeleteAsync(string path, string? token = null) => SendAsync(HttpMethod.Delete, path, null, token);

    public async Task<SandboxReply> SendAsync(HttpMethod method, string path, string? json, string? token = null)
    {
        using var request = new HttpRequestMessage(method, "/sandbox/graph/v23.0/" + path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? accessToken);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await app.Api(null).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new SandboxReply(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Creates a template and returns its id (the creation must succeed).</summary>
    public async Task<string> CreateTemplateAsync(string json)
    {
        var reply = await PostAsync($"{wabaId}/message_templates", json);
        Assert.True(reply.Status == HttpStatusCode.OK, reply.Body?.ToJsonString());
        return reply.Body!["id"]!.GetValue<string>();
    }

    /// <summary>Lets review decide: moves the test clock past the review delay (100 ms in tests) and reads the status.</summary>
    public Task<string> ReviewedStatusAsync(string templateId)
    {
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        return Eventually.ObjectAsync(async () =>
        {
            var status = (await GetAsync($"{templateId}?fields=status")).Body?["status"]?.GetValue<string>();
            return status is "PENDING" ? null : status;
        });
    }

    public static string UniqueName(string stem) => $"{stem}_{Guid.NewGuid():N}"[..(stem.Length + 13)];
}

/// <summary>A Graph API answer: the status and the JSON body, with the error's code and subcode when there is one.</summary>
public sealed record SandboxReply(HttpStatusCode Status, JsonNode? Body)
{
    public int ErrorCode => Body?["error"]?["code"]?.GetValue<int>() ?? 0;

    public int? ErrorSubcode => Body?["error"]?["error_subcode"]?.GetValue<int>();
}
