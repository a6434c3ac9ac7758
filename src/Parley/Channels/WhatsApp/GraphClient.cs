using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Parley.Hosting;

namespace Parley.Channels.WhatsApp;

public abstract record GraphResult;

/// <summary>WhatsApp accepted the message (which is not yet "sent").</summary>
public sealed record GraphAccepted(string MessageId) : GraphResult;

/// <summary>WhatsApp took an uploaded file; <see cref="MediaId"/> is valid for the uploading number.</summary>
public sealed record GraphUploaded(string MediaId) : GraphResult;

/// <summary>WhatsApp answered with an error; <see cref="Code"/> decides what happens next.</summary>
public sealed record GraphRefused(int Code, string Title, string? Details, int HttpStatus) : GraphResult;

/// <summary>WhatsApp answered a read or an update with what was asked for (<see cref="Body"/>).</summary>
public sealed record GraphAnswered(JsonObject Body) : GraphResult;

/// <summary>The request never left (connection refused): safe to try again.</summary>
public sealed record GraphUnreachable(string Reason) : GraphResult;

/// <summary>The request may have reached WhatsApp but no answer came back: never resend blindly.</summary>
public sealed record GraphUnknown(string Reason) : GraphResult;

/// <summary>The Cloud API over HTTP, with each number's own (decrypted) access token.</summary>
public sealed class GraphClient(IHttpClientFactory http, IOptions<WhatsAppOptions> options, GraphAddress address, Secrets secrets)
{
    public const string HttpClientName = "whatsapp-graph";

    /// <summary>Marks an inbound message (and those before it) read; with <paramref name="typing"/> the customer also sees "typing…".</summary>
    public async Task<GraphResult> MarkReadAsync(WhatsAppNumber number, string inboundMessageId, bool typing, CancellationToken cancellationToken)
    {
        var payload = new JsonObject { ["messaging_product"] = "whatsapp", ["status"] = "read", ["message_id"] = inboundMessageId };
        if (typing)
        {
            payload["typing_indicator"] = new JsonObject { ["type"] = "text" };
        }

        return await SendMessageAsync(number, payload, cancellationToken);
    }

    /// <summary>Looks up a media id (its download URL lives 5 minutes); null when WhatsApp no longer has it.</summary>
    public async Task<GraphMedia?> GetMediaAsync(WhatsAppNumber number, string mediaId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{address.BaseUrl()}/{options.Value.GraphVersion}/{Uri.EscapeDataString(mediaId)}?phone_number_id={number.PhoneNumberId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secrets.Unprotect(number.AccessTokenProtected));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken)
            ?? throw new HttpRequestException("The media lookup answered without a body.");
        return new GraphMedia(
            body["url"]?.GetValue<string>() ?? throw new HttpRequestException("The media lookup answered without a url."),
            body["mime_type"]?.GetValue<string>(),
            body["sha256"]?.GetValue<string>(),
            body["file_size"] is JsonValue size ? (size.TryGetValue<long>(out var n) ? n : long.TryParse(size.GetValue<string>(), out var parsed) ? parsed : null) : null);
    }

    /// <summary>
    /// One page of the WABA's templates (<c>GET /{waba-id}/message_templates</c>, 100 a page): Meta's
    /// answer with <c>data</c> and <c>paging.cursors.after</c>.
    /// </summary>
    public Task<GraphResult> TemplatesAsync(WhatsAppNumber number, string? after, CancellationToken cancellationToken) =>
        SendAsync(number, number.WabaId, HttpMethod.Get,
            "message_templates?limit=100&fields=id,name,language,status,category,components,quality_score,rejected_reason" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"),
            null, body => body is JsonObject page && page["data"] is JsonArray ? new GraphAnswered((JsonObject)page.DeepClone()) : null, cancellationToken);

    /// <summary>Submits a template for review (<c>POST /{waba-id}/message_templates</c>); Meta answers its id, status and category.</summary>
    public Task<GraphResult> CreateTemplateAsync(WhatsAppNumber number, JsonObject template, CancellationToken cancellationToken) =>
        SendAsync(number, number.WabaId, HttpMethod.Post, "message_templates", JsonContent.Create(template),
            body => body is JsonObject answer && answer["id"] is not null ? new GraphAnswered((JsonObject)answer.DeepClone()) : null, cancellationToken);

    /// <summary>Edits a template's components or category (<c>POST /{template-id}</c>); Meta answers success and reviews it again.</summary>
    public Task<GraphResult> EditTemplateAsync(WhatsAppNumber number, string templateId, JsonObject edit, CancellationToken cancellationToken) =>
        SendAsync(number, templateId, HttpMethod.Post, "", JsonContent.Create(edit),
            body => body?["success"] is JsonValue success && success.GetValue<bool>() ? new GraphAnswered(body!.AsObject()) : null, cancellationToken);

    /// <summary>Deletes a template in one language (by name and Meta's id) or, without an id, in every language.</summary>
    public Task<GraphResult> DeleteTemplateAsync(WhatsAppNumber number, string name, string? templateId, CancellationToken cancellationToken) =>
        SendAsync(number, number.WabaId, HttpMethod.Delete,
            $"message_templates?name={Uri.EscapeDataString(name)}" + (templateId is null ? "" : $"&hsm_id={Uri.EscapeDataString(templateId)}"), null,
            body => body?["success"] is JsonValue success && success.GetValue<bool>() ? new GraphAnswered(body!.AsObject()) : null, cancellationToken);

    /// <summary>The number's messaging limit (<c>GET /{phone-number-id}?fields=whatsapp_business_manager_messaging_limit</c>): <c>TIER_250</c> … <c>TIER_UNLIMITED</c>.</summary>
    public Task<GraphResult> MessagingLimitAsync(WhatsAppNumber number, CancellationToken cancellationToken) =>
        SendAsync(number, number.PhoneNumberId, HttpMethod.Get, "?fields=whatsapp_business_manager_messaging_limit", null,
            body => body?["whatsapp_business_manager_messaging_limit"] is JsonValue ? new GraphAnswered(body!.AsObject()) : null, cancellationToken);

    /// <summary>Streams a media URL (it needs the same bearer token) into <paramref name="destination"/>.</summary>
    public async Task DownloadAsync(WhatsAppNumber number, string url, Stream destination, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secrets.Unprotect(number.AccessTokenProtected));
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await response.Content.CopyToAsync(destination, cancellationToken);
    }

    public Task<GraphResult> SendMessageAsync(WhatsAppNumber number, JsonObject payload, CancellationToken cancellationToken) =>
        PostAsync(number, "messages", JsonContent.Create(payload), body =>
            body?["messages"]?[0]?["id"]?.GetValue<string>() is { } id ? new GraphAccepted(id)
            : body?["success"] is JsonValue success && success.GetValue<bool>() ? new GraphAccepted("") // Mark-as-read and typing answer {"success":true}.
            : null, cancellationToken);

    /// <summary>
    /// Uploads a file for this number (<c>POST /{phone-number-id}/media</c>, multipart); the answer's id
    /// can then be sent by this number for 30 days. Refusals come back like refused sends.
    /// </summary>
    public Task<GraphResult> UploadMediaAsync(WhatsAppNumber number, Stream file, string mimeType, string? fileName, CancellationToken cancellationToken)
    {
        var form = new MultipartFormDataContent();
        form.Add(new StringContent("whatsapp"), "messaging_product");
        form.Add(new StringContent(mimeType), "type");
        var part = new StreamContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        form.Add(part, "file", fileName ?? "file");
        return PostAsync(number, "media", form, body => body?["id"]?.GetValue<string>() is { Length: > 0 } id ? new GraphUploaded(id) : null, cancellationToken);
    }

    /// <summary>The number's business profile (<c>GET /{phone-number-id}/whatsapp_business_profile</c>): the profile object itself.</summary>
    public Task<GraphResult> GetBusinessProfileAsync(WhatsAppNumber number, CancellationToken cancellationToken) =>
        SendAsync(number, number.PhoneNumberId, HttpMethod.Get, "whatsapp_business_profile?fields=about,address,description,email,profile_picture_url,websites,vertical", null, body =>
            // Meta answers {"data":[{…profile…}]}; its OpenAPI description nests it as {"data":[{"business_profile":{…}}]}.
            body?["data"]?[0] is JsonObject first ? new GraphAnswered((JsonObject)(first["business_profile"] as JsonObject ?? first).DeepClone()) : null, cancellationToken);

    /// <summary>Changes fields of the number's business profile; fields left out stay as they are.</summary>
    public Task<GraphResult> UpdateBusinessProfileAsync(WhatsAppNumber number, JsonObject changes, CancellationToken cancellationToken)
    {
        var payload = (JsonObject)changes.DeepClone();
        payload["messaging_product"] = "whatsapp";
        return PostAsync(number, "whatsapp_business_profile", JsonContent.Create(payload), body =>
            body?["success"] is JsonValue success && success.GetValue<bool>() ? new GraphAnswered(body!.AsObject()) : null, cancellationToken);
    }

    /// <summary>POSTs to an edge of the number; <paramref name="accepted"/> reads a successful answer (null: not what was expected).</summary>
    private Task<GraphResult> PostAsync(WhatsAppNumber number, string edge, HttpContent content, Func<JsonNode?, GraphResult?> accepted, CancellationToken cancellationToken) =>
        SendAsync(number, number.PhoneNumberId, HttpMethod.Post, edge, content, accepted, cancellationToken);

    /// <summary>A request to an edge of <paramref name="node"/> (the number's phone number id or its WABA id) with the number's token.</summary>
    private async Task<GraphResult> SendAsync(
        WhatsAppNumber number, string node, HttpMethod method, string edge, HttpContent? content, Func<JsonNode?, GraphResult?> accepted, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, $"{address.BaseUrl()}/{options.Value.GraphVersion}/{node}{(edge.Length == 0 || edge.StartsWith('?') ? "" : "/")}{edge}")
        {
            Content = content,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secrets.Unprotect(number.AccessTokenProtected));

        HttpResponseMessage response;
        try
        {
            response = await http.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable })
        {
            return new GraphUnreachable(e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new GraphUnknown(e.Message);
        }

        using (response)
        {
            JsonNode? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
            }
            catch (JsonException)
            {
                body = null;
            }

            if (response.IsSuccessStatusCode && accepted(body) is { } result)
            {
                return result;
            }

            if (body?["error"] is JsonObject error)
            {
                return new GraphRefused(
                    error["code"]?.GetValue<int>() ?? 0,
                    error["message"]?.GetValue<string>() ?? "Unknown error",
                    error["error_data"]?["details"]?.GetValue<string>(),
                    (int)response.StatusCode);
            }

            return response.StatusCode >= HttpStatusCode.InternalServerError
                ? new GraphRefused(131000, $"HTTP {(int)response.StatusCode} without an error body", null, (int)response.StatusCode)
                : new GraphUnknown($"HTTP {(int)response.StatusCode} without the expected answer");
        }
    }
}

public sealed record GraphMedia(string Url, string? MimeType, string? Sha256, long? Size);

/// <summary>
/// Where the Graph API is: <c>WhatsApp:GraphBaseUrl</c>, or — with the sandbox mounted and nothing
/// configured — this very Parley's <c>/sandbox/graph</c>.
/// </summary>
public sealed class GraphAddress(IOptions<WhatsAppOptions> options, IServiceProvider services)
{
    public string BaseUrl()
    {
        if (options.Value.GraphBaseUrl is { Length: > 0 } configured)
        {
            return configured.TrimEnd('/');
        }

        if (services.GetService<SandboxMount>() is { Enabled: true })
        {
            return ServerAddress.Of(services) + "/sandbox/graph";
        }

        return "https://graph.facebook.com";
    }
}

/// <summary>Whether the WhatsApp sandbox is mounted in this process (demo mode, or <c>Sandbox:Enabled</c>).</summary>
public sealed record SandboxMount(bool Enabled);
