using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;
using Parley.Web;

namespace Parley.Inbox;

public sealed record UploadedMedia(Guid Id, string Kind, string MimeType, long Size, string? FileName, string Sha256, string Url);

/// <summary>
/// <c>/api/v1/media</c>: files to send by upload, and the stored files of inbound attachments.
/// </summary>
public static class MediaApi
{
    public static RouteGroupBuilder MapMediaApi(this RouteGroupBuilder api)
    {
        var media = api.MapGroup("/media").WithTags("Media");
        media.MapPost("/", UploadAsync).RequirePermission(Permission.SendMessages)
            .Accepts<UploadForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(MediaRules.MaxUpload + 1024 * 1024))
            .WithSummary("Upload a file to send")
            .WithDescription(
                "multipart/form-data with the field `file` (its part's Content-Type is the file's type; a client that can only say "
                + "application/octet-stream names the type in the field `type`). The file is checked against WhatsApp's limits — "
                + MediaRules.Allowed + " Answers 201 with the file's id; send it with POST /api/v1/conversations/{id}/messages and "
                + "{\"type\":\"image\",\"image\":{\"mediaId\":\"<id>\",\"caption\":\"…\"}} (likewise audio, video, document, sticker). "
                + "Parley uploads the file to WhatsApp for the conversation's number when it sends, and reuses that upload for 29 days.")
            .Produces<UploadedMedia>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        media.MapGet("/{id:guid}", DownloadAsync).RequirePermission(Permission.ViewConversations)
            .WithSummary("Download a stored file (an inbound attachment or an upload)");
        return api;
    }

    /// <summary>The shape of the upload form, for the OpenAPI description.</summary>
    public sealed record UploadForm(IFormFile File, string? Type);

    private static async Task<IResult> UploadAsync(HttpRequest request, MediaLibrary library, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.From(OperationError.Invalid("file", "Upload the file as multipart/form-data in the field 'file'."));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException)
        {
            return ApiProblems.From(OperationError.Invalid("file", $"The upload could not be read as multipart/form-data, or it is larger than WhatsApp allows. {MediaRules.Allowed}"));
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            return ApiProblems.From(OperationError.Invalid("file", "The form has no file in the field 'file'."));
        }

        var mime = MediaRules.Normalize(file.ContentType);
        if (mime is "" or "application/octet-stream" && form["type"].ToString() is { Length: > 0 } declared)
        {
            mime = MediaRules.Normalize(declared);
        }

        await using var content = file.OpenReadStream();
        var uploaded = await library.UploadAsync(content, file.Length, mime, file.FileName, ct);
        if (uploaded.Error is { } error)
        {
            return ApiProblems.From(error);
        }

        var stored = uploaded.Value!;
        return TypedResults.Created($"/api/v1/media/{stored.Id}", new UploadedMedia(
            stored.Id, MediaRules.KindOf(stored.MimeType)!, stored.MimeType!, stored.Size ?? 0, stored.FileName, stored.Sha256!, $"/api/v1/media/{stored.Id}"));
    }

    /// <summary>The stored file of an inbound attachment or an upload.</summary>
    private static async Task<IResult> DownloadAsync(Guid id, ParleyDb db, MediaStore store, CancellationToken ct)
    {
        var media = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == id, ct);
        if (media is null)
        {
            return TypedResults.NotFound();
        }

        if (media.State != MediaState.Stored || store.Open(media) is not { } file)
        {
            return TypedResults.Problem(
                media.State == MediaState.Failed ? media.LastError : "The file is still being downloaded from WhatsApp; try again in a moment.",
                statusCode: media.State == MediaState.Failed ? StatusCodes.Status410Gone : StatusCodes.Status409Conflict);
        }

        return TypedResults.Stream(file, media.MimeType ?? "application/octet-stream", media.FileName);
    }
}
