using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Parley.Sandbox;

public sealed record SandboxMediaFile(string Id, string MimeType, byte[] Bytes, string Sha256);

/// <summary>
/// Media the simulated customers sent (and the business uploaded): looked up with
/// <c>GET /{version}/{media-id}</c>, downloaded from the returned URL with the same bearer token.
/// </summary>
public sealed class SandboxMedia
{
    /// <summary>A 1×1 PNG, for when a test or demo sends "a photo" without bytes.</summary>
    public static readonly byte[] PlaceholderPng = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly ConcurrentDictionary<string, SandboxMediaFile> files = new();

    public SandboxMediaFile Add(byte[] bytes, string mimeType)
    {
        var id = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture)
            + RandomNumberGenerator.GetInt32(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var file = new SandboxMediaFile(id, mimeType, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        files[id] = file;
        return file;
    }

    public SandboxMediaFile? Find(string id) => files.TryGetValue(id, out var file) ? file : null;

    public static RouteGroupBuilder MapSandboxMedia(RouteGroupBuilder graph)
    {
        graph.MapGet("/{version:regex(^v\\d+\\.\\d+$)}/{mediaId:regex(^\\d+$)}", Lookup);
        graph.MapGet("/{mediaId:regex(^\\d+$)}", Lookup);
        graph.MapGet("/media-download/{mediaId}", Download);
        return graph;
    }

    private static IResult Lookup(string mediaId, HttpRequest request, SandboxState state, SandboxMedia media)
    {
        if (state.Number(mediaId) is not null)
        {
            return SandboxGraphApi.NumberInfo(mediaId, request, state);
        }

        if (!Authorized(request, state))
        {
            return SandboxGraphApi.Error(190, "Invalid OAuth access token - Cannot parse access token", "The access token is not valid.", StatusCodes.Status401Unauthorized);
        }

        if (media.Find(mediaId) is not { } file)
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

    private static IResult Download(string mediaId, HttpRequest request, SandboxState state, SandboxMedia media) =>
        !Authorized(request, state) ? Results.Unauthorized()
        : media.Find(mediaId) is { } file ? Results.Bytes(file.Bytes, file.MimeType)
        : Results.NotFound();

    private static bool Authorized(HttpRequest request, SandboxState state)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && state.Numbers.Any(n => n.AccessToken == header["Bearer ".Length..]);
    }
}
