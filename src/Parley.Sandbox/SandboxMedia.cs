using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace Parley.Sandbox;

/// <summary>A stored file; <see cref="PhoneNumberId"/> is the business number that uploaded it (its ids are valid only there), null for media customers sent.</summary>
public sealed record SandboxMediaFile(string Id, string MimeType, byte[] Bytes, string Sha256, DateTime ExpiresAt, string? PhoneNumberId = null);

/// <summary>
/// Media the simulated customers sent and the business uploaded: <c>POST /{version}/{phone-number-id}/media</c>
/// (multipart, Meta's types and size limits), looked up with <c>GET /{version}/{media-id}</c>, downloaded
/// from the returned URL with the same bearer token, removed with <c>DELETE /{version}/{media-id}</c>.
/// Uploaded ids live 30 days, ids of received media 7 days (Cloud API notes §4.6, §6).
/// </summary>
public sealed class SandboxMedia(TimeProvider clock)
{
    /// <summary>A 1×1 PNG, for when a test or demo sends "a photo" without bytes.</summary>
    public static readonly byte[] PlaceholderPng = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    public static readonly TimeSpan UploadLifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan ReceivedLifetime = TimeSpan.FromDays(7);

    private const long MB = 1024 * 1024;

    /// <summary>What Meta accepts on upload, in the order its error message lists them, with the kind of message each can be sent as.</summary>
    private static readonly (string Mime, string Kind, long Max)[] Supported =
    [
        ("audio/aac", "audio", 16 * MB), ("audio/mp4", "audio", 16 * MB), ("audio/mpeg", "audio", 16 * MB), ("audio/amr", "audio", 16 * MB),
        ("audio/ogg", "audio", 16 * MB), ("audio/opus", "audio", 16 * MB),
        ("application/vnd.ms-powerpoint", "document", 100 * MB), ("application/msword", "document", 100 * MB),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", 100 * MB),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "document", 100 * MB),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", 100 * MB),
        ("application/pdf", "document", 100 * MB), ("text/plain", "document", 100 * MB), ("application/vnd.ms-excel", "document", 100 * MB),
        ("image/jpeg", "image", 5 * MB), ("image/png", "image", 5 * MB), ("image/webp", "sticker", 500 * 1024),
        ("video/mp4", "video", 16 * MB), ("video/3gpp", "video", 16 * MB),
    ];

    private readonly ConcurrentDictionary<string, SandboxMediaFile> files = new();

    public SandboxMediaFile Add(byte[] bytes, string mimeType) => Add(bytes, mimeType, null);

    public SandboxMediaFile Add(byte[] bytes, string mimeType, string? phoneNumberId)
    {
        var id = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture)
            + RandomNumberGenerator.GetInt32(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        var expires = clock.GetUtcNow().UtcDateTime + (phoneNumberId is null ? ReceivedLifetime : UploadLifetime);
        var file = new SandboxMediaFile(id, mimeType, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), expires, phoneNumberId);
        files[id] = file;
        return file;
    }

    /// <summary>A file that exists and has not expired; with <paramref name="phoneNumberId"/>, only if that number may use it.</summary>
    public SandboxMediaFile? Find(string id, string? phoneNumberId = null) =>
        files.TryGetValue(id, out var file) && file.ExpiresAt > clock.GetUtcNow().UtcDateTime
        && (phoneNumberId is null || file.PhoneNumberId is null || file.PhoneNumberId == phoneNumberId)
            ? file
            : null;

    /// <summary>
    /// For the send endpoint: media named by <c>id</c> — a media message, a template's image/video/document
    /// header parameter, an interactive message's media header — must be media this number may use, of a
    /// type that fits (a document may be anything); otherwise 131053 like Meta.
    /// </summary>
    public IResult? CheckSendable(string phoneNumberId, string type, JsonObject content)
    {
        foreach (var (kind, node) in MediaReferences(type, content))
        {
            if (SandboxGraphApi.Text(node, "id") is not { } id)
            {
                continue;
            }

            if (Find(id, phoneNumberId) is not { } file)
            {
                return SandboxGraphApi.Error(131053, "Media upload error", $"Media with id '{id}' does not exist, has expired or was uploaded by another phone number. Upload the file again.");
            }

            var fileKind = Supported.FirstOrDefault(s => s.Mime == file.MimeType).Kind;
            if (!(kind == "document" || fileKind == kind || (kind == "image" && fileKind is null && file.MimeType.StartsWith("image/", StringComparison.Ordinal))))
            {
                return SandboxGraphApi.Error(131053, "Media upload error", $"Media with id '{id}' is {file.MimeType}, which cannot be sent as {kind}.");
            }
        }

        return null;
    }

    private static IEnumerable<(string Kind, JsonObject Node)> MediaReferences(string type, JsonObject content)
    {
        if (type is "image" or "audio" or "video" or "document" or "sticker")
        {
            yield return (type, content);
        }
        else if (type == "template" && content["components"] is JsonArray components)
        {
            foreach (var parameter in components.OfType<JsonObject>().SelectMany(c => (c["parameters"] as JsonArray)?.OfType<JsonObject>() ?? []))
            {
                if (SandboxGraphApi.Text(parameter, "type") is "image" or "video" or "document" && parameter[SandboxGraphApi.Text(parameter, "type")!] is JsonObject media)
                {
                    yield return (SandboxGraphApi.Text(parameter, "type")!, media);
                }
            }
        }
        else if (type == "interactive" && content["header"] is JsonObject header
            && SandboxGraphApi.Text(header, "type") is "image" or "video" or "document" && header[SandboxGraphApi.Text(header, "type")!] is JsonObject media)
        {
            yield return (SandboxGraphApi.Text(header, "type")!, media);
        }
    }

    public static RouteGroupBuilder MapSandboxMedia(RouteGroupBuilder graph)
    {
        // Documents may be 100 MB; the form must fit before the limits below can answer in Meta's words.
        graph.MapPost("/{version:regex(^v\\d+\\.\\d+$)}/{phoneNumberId}/media", UploadAsync).WithMetadata(new RequestSizeLimitAttribute(110 * MB));
        graph.MapPost("/{phoneNumberId:regex(^\\d+$)}/media", UploadAsync).WithMetadata(new RequestSizeLimitAttribute(110 * MB));
        graph.MapGet("/{version:regex(^v\\d+\\.\\d+$)}/{mediaId:regex(^\\d+$)}", Lookup);
        graph.MapGet("/{mediaId:regex(^\\d+$)}", Lookup);
        graph.MapDelete("/{version:regex(^v\\d+\\.\\d+$)}/{mediaId:regex(^\\d+$)}", Delete);
        graph.MapDelete("/{mediaId:regex(^\\d+$)}", Delete);
        graph.MapGet("/media-download/{mediaId}", Download);
        return graph;
    }

    private static async Task<IResult> UploadAsync(string phoneNumberId, HttpRequest request, SandboxState state, SandboxMedia media, CancellationToken ct)
    {
        if (SandboxGraphErrors.AuthorizeNumber(request, state, phoneNumberId, out _) is { } refused)
        {
            return refused;
        }

        if (!request.HasFormContentType)
        {
            return SandboxGraphApi.Error(100, "Invalid parameter", "Upload the file as multipart/form-data with the fields file, type and messaging_product.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException)
        {
            return SandboxGraphApi.Error(131053, "Media upload error", "The upload could not be read as multipart/form-data, or it is larger than 100 MB.");
        }

        if (form["messaging_product"].ToString() != "whatsapp")
        {
            return SandboxGraphApi.Error(100, "The parameter messaging_product is required.", "Param messaging_product must be 'whatsapp'.");
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            return SandboxGraphApi.Error(100, "The parameter file is required.", "Param file must be a file (multipart/form-data).");
        }

        // Meta goes by the file part's type; clients that send application/octet-stream name it in "type".
        var mime = MimeOf(file.ContentType);
        if (mime is "" or "application/octet-stream" && form["type"].ToString() is { Length: > 0 } declared)
        {
            mime = MimeOf(declared);
        }

        if (!Supported.Any(s => s.Mime == mime))
        {
            return SandboxGraphApi.Error(100, $"Param file must be a file with one of the following types: {string.Join(", ", Supported.Select(s => s.Mime))}. Received file of type '{mime}'.", $"Files of type '{mime}' cannot be sent on WhatsApp.");
        }

        if (file.Length == 0)
        {
            return SandboxGraphApi.Error(100, "Invalid parameter", "Param file must not be empty.");
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }

        if (TooLarge(mime, bytes) is { } limit)
        {
            return SandboxGraphApi.Error(131053, "Media upload error", $"Media file size too big. Max file size we currently support for {mime}: {limit}. Received {bytes.LongLength.ToString("N0", CultureInfo.InvariantCulture)} bytes.");
        }

        return Results.Json(new JsonObject { ["id"] = media.Add(bytes, mime, phoneNumberId).Id });
    }

    /// <summary>The limit a file breaks, in words, or null: stickers are 100 KB, or 500 KB when animated.</summary>
    private static string? TooLarge(string mime, byte[] bytes)
    {
        var max = Supported.First(s => s.Mime == mime).Max;
        if (mime == "image/webp")
        {
            var animated = bytes.Length > 20 && bytes.AsSpan(12, 4).SequenceEqual("VP8X"u8) && (bytes[20] & 0x02) != 0;
            max = animated ? 500 * 1024 : 100 * 1024;
            return bytes.LongLength > max ? animated ? "500 KB (animated sticker)" : "100 KB (static sticker)" : null;
        }

        return bytes.LongLength > max ? $"{max / MB} MB" : null;
    }

    private static string MimeOf(string? contentType) => (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static IResult Lookup(string mediaId, HttpRequest request, SandboxState state, SandboxMedia media)
    {
        if (state.Number(mediaId) is not null)
        {
            return SandboxNumbersApi.Get(mediaId, request, state);
        }

        if (!Authorized(request, state))
        {
            return SandboxGraphErrors.InvalidToken();
        }

        if (media.Find(mediaId, OwnerFilter(request)) is not { } file)
        {
            return SandboxGraphApi.Error(100, "Invalid parameter", $"Media with id '{mediaId}' does not exist.");
        }

        var self = $"{request.Scheme}://{request.Host}{request.PathBase}";
        return Results.Json(new
        {
            url = $"{self}/sandbox/graph/media-download/{file.Id}?hash={file.Sha256[..16]}",
            mime_type = file.MimeType,
            sha256 = file.Sha256,
            file_size = file.Bytes.LongLength,
            id = file.Id,
            messaging_product = "whatsapp",
        });
    }

    private static IResult Delete(string mediaId, HttpRequest request, SandboxState state, SandboxMedia media)
    {
        if (!Authorized(request, state))
        {
            return SandboxGraphErrors.InvalidToken();
        }

        if (media.Find(mediaId, OwnerFilter(request)) is null || !media.files.TryRemove(mediaId, out _))
        {
            return SandboxGraphApi.Error(100, "Invalid parameter", $"Media with id '{mediaId}' does not exist.");
        }

        return Results.Json(new { success = true });
    }

    private static IResult Download(string mediaId, HttpRequest request, SandboxState state, SandboxMedia media) =>
        !Authorized(request, state) ? Results.Unauthorized()
        : media.Find(mediaId) is { } file ? Results.Bytes(file.Bytes, file.MimeType)
        : Results.NotFound();

    /// <summary><c>?phone_number_id=</c> restricts lookup and deletion to media of that number.</summary>
    private static string? OwnerFilter(HttpRequest request) => request.Query["phone_number_id"].ToString() is { Length: > 0 } id ? id : null;

    private static bool Authorized(HttpRequest request, SandboxState state)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && state.Numbers.Any(n => n.AccessToken == header["Bearer ".Length..]);
    }
}
