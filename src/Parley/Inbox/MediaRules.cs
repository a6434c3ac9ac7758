using System.Globalization;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>
/// What WhatsApp lets a business send (Cloud API notes §4.6): the file types of each kind of media
/// message and their size limits. Checked on upload and again when a stored file is put into a message.
/// </summary>
public static class MediaRules
{
    private const long MB = 1024 * 1024;
    public const long StaticStickerLimit = 100 * 1024;
    public const long AnimatedStickerLimit = 500 * 1024;

    /// <summary>The largest file any kind allows (documents).</summary>
    public const long MaxUpload = 100 * MB;

    private static readonly (string Kind, string[] MimeTypes, long Max)[] Kinds =
    [
        ("image", ["image/jpeg", "image/png"], 5 * MB),
        ("sticker", ["image/webp"], AnimatedStickerLimit),
        ("audio", ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], 16 * MB),
        ("video", ["video/mp4", "video/3gpp"], 16 * MB),
        ("document", [
            "text/plain", "application/pdf", "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"], 100 * MB),
    ];

    /// <summary>Everything that is allowed, in one sentence for error messages.</summary>
    public static readonly string Allowed =
        "WhatsApp accepts images (image/jpeg, image/png) up to 5 MB; stickers (image/webp) up to 100 KB, animated 500 KB; "
        + "audio (audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg) and video (video/mp4, video/3gpp) up to 16 MB; "
        + "documents (text/plain, PDF, Word, Excel, PowerPoint) up to 100 MB.";

    /// <summary>Whether a message of this type carries a file (image, audio, video, document, sticker).</summary>
    public static bool IsMediaMessage(string? type) => type is "image" or "audio" or "video" or "document" or "sticker";

    /// <summary>The kind of message a file of this type is sent as (image, sticker, audio, video, document), or null.</summary>
    public static string? KindOf(string? mimeType) => Kinds.FirstOrDefault(k => k.MimeTypes.Contains(Normalize(mimeType))).Kind;

    public static string Normalize(string? mimeType) => (mimeType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    /// <summary>Checks a file about to be stored; <paramref name="head"/> is its first bytes (a WebP says whether it is animated).</summary>
    public static OperationError? CheckUpload(string mimeType, long size, ReadOnlySpan<byte> head)
    {
        var kind = KindOf(mimeType);
        if (kind is null)
        {
            return OperationError.Invalid("file", $"Files of type '{mimeType}' cannot be sent on WhatsApp. {Allowed}");
        }

        if (size == 0)
        {
            return OperationError.Invalid("file", "The file is empty.");
        }

        var animated = IsAnimatedWebp(head);
        var max = kind == "sticker" && !animated ? StaticStickerLimit : Kinds.First(k => k.Kind == kind).Max;
        var what = kind != "sticker" ? $"{kind} files" : animated ? "animated stickers" : "static stickers";
        return size > max
            ? OperationError.Invalid("file", $"The file is too large: WhatsApp takes {what} ({mimeType}) up to {Size(max)} ({Bytes(max)}); this one has {Bytes(size)}. {Allowed}")
            : null;
    }

    /// <summary>Whether a stored file can go out as a message of <paramref name="type"/> (a document may be any allowed file).</summary>
    public static string? CheckSend(string type, string? mimeType, long? size)
    {
        var kind = KindOf(mimeType);
        if (kind is null || (type != "document" && kind != type))
        {
            return $"The file is {mimeType ?? "of unknown type"}, which WhatsApp does not send as {type}. {Allowed}";
        }

        var max = Kinds.First(k => k.Kind == kind).Max;
        return size > max ? $"The file is too large: WhatsApp sends {kind} files up to {Size(max)} ({Bytes(max)}); this one has {Bytes(size.Value)}." : null;
    }

    /// <summary>A WebP with the extended header's animation flag (RIFF…WEBPVP8X, flags byte bit 1).</summary>
    public static bool IsAnimatedWebp(ReadOnlySpan<byte> head) =>
        head.Length > 20 && head[..4].SequenceEqual("RIFF"u8) && head.Slice(8, 4).SequenceEqual("WEBP"u8)
        && head.Slice(12, 4).SequenceEqual("VP8X"u8) && (head[20] & 0x02) != 0;

    private static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";

    private static string Size(long bytes) => bytes >= MB
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)MB:0.#} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB");
}
