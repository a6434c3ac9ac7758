using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// Turns a file of Parley's media store into a WhatsApp media id for the sending number: the id the
/// number got before if it is still comfortably valid, otherwise a fresh upload (remembered for next
/// time). Media ids live 30 days; one is not reused in its last day, so a message never leaves with an
/// id that expires before WhatsApp has fetched it.
/// </summary>
public sealed class OutboundMedia(ParleyDb db, MediaStore store, GraphClient graph, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);
    public static readonly TimeSpan Margin = TimeSpan.FromDays(1);

    /// <summary>
    /// Every place of a message's content (its type's object) that holds a file: the content itself for
    /// a media message, a template's image/video/document header parameters, an interactive message's
    /// media header. Field names it in errors; MediaType is the
    /// WhatsApp media type whose rules apply.
    /// </summary>
    public static IEnumerable<(string Field, string MediaType, JsonObject Node)> Slots(string type, JsonNode? content)
    {
        if (MediaRules.IsMediaMessage(type) && content is JsonObject media)
        {
            yield return (type, type, media);
        }
        else if (type == "template" && content?["components"] is JsonArray components)
        {
            for (var i = 0; i < components.Count; i++)
            {
                if (components[i]?["parameters"] is not JsonArray parameters)
                {
                    continue;
                }

                for (var j = 0; j < parameters.Count; j++)
                {
                    if (parameters[j] is JsonObject parameter && Text(parameter, "type") is "image" or "video" or "document" && parameter[Text(parameter, "type")!] is JsonObject file)
                    {
                        var kind = Text(parameter, "type")!;
                        yield return ($"template.components[{i}].parameters[{j}].{kind}", kind, file);
                    }
                }
            }
        }
        else if (type == "interactive" && content?["header"] is JsonObject header
            && Text(header, "type") is "image" or "video" or "document" && header[Text(header, "type")!] is JsonObject headerFile)
        {
            var kind = Text(header, "type")!;
            yield return ($"interactive.header.{kind}", kind, headerFile);
        }
    }

    /// <summary>The Parley media id a slot names (<c>{"mediaId":"…"}</c>), if it does.</summary>
    public static Guid? ParleyMediaId(JsonObject slot) =>
        Text(slot, "mediaId") is { } text && Guid.TryParse(text, out var id) ? id : null;

    /// <summary>The Parley media id of a media message (not of headers), for showing the file it sent.</summary>
    public static Guid? ParleyMediaId(string type, JsonNode content) =>
        MediaRules.IsMediaMessage(type) && content is JsonObject media ? ParleyMediaId(media) : null;

    private static string? Text(JsonObject node, string property) =>
        node[property] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// <see cref="GraphUploaded"/> with the id to send, or why not: WhatsApp's refusal, an unreachable
    /// Graph API, or 131053 when the file is gone from the store (a send cannot fix that).
    /// </summary>
    public async Task<GraphResult> MediaIdForAsync(Guid mediaFileId, WhatsAppNumber number, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var known = await db.MediaUploads.FirstOrDefaultAsync(u => u.MediaFileId == mediaFileId && u.WhatsAppNumberId == number.Id, cancellationToken);
        if (known is not null && known.ExpiresAt - Margin > now)
        {
            return new GraphUploaded(known.ProviderMediaId);
        }

        var file = await db.MediaFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Id == mediaFileId && f.State == MediaState.Stored, cancellationToken);
        await using var bytes = file is null ? null : store.Open(file);
        if (file is null || bytes is null)
        {
            return new GraphRefused(131053, "Media upload error", "The file is no longer in Parley's media store; upload it again.", 0);
        }

        var result = await graph.UploadMediaAsync(number, bytes, file.MimeType ?? "application/octet-stream", file.FileName, cancellationToken);
        if (result is GraphUploaded uploaded)
        {
            if (known is null)
            {
                db.MediaUploads.Add(new MediaUpload
                {
                    MediaFileId = file.Id,
                    WhatsAppNumberId = number.Id,
                    WorkspaceId = file.WorkspaceId,
                    ProviderMediaId = uploaded.MediaId,
                    UploadedAt = now,
                    ExpiresAt = now + Lifetime,
                });
            }
            else
            {
                known.ProviderMediaId = uploaded.MediaId;
                known.UploadedAt = now;
                known.ExpiresAt = now + Lifetime;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (known is null)
            {
                // Another send of the same file from this number uploaded it at the same moment and
                // recorded its id first; this id is just as valid, so use it and keep theirs.
                foreach (var entry in db.ChangeTracker.Entries<MediaUpload>().Where(e => e.State == EntityState.Added).ToList())
                {
                    entry.State = EntityState.Detached;
                }
            }
        }

        // An upload that got no answer can simply be repeated: at worst WhatsApp keeps an unused copy.
        return result is GraphUnknown unknown ? new GraphUnreachable(unknown.Reason) : result;
    }
}
