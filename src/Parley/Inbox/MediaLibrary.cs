using System.Security.Cryptography;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>
/// Files a workspace uploads to send later: checked against WhatsApp's types and limits, written to
/// the media store with their SHA-256, and recorded as a stored <see cref="MediaFile"/> without a message.
/// </summary>
public sealed class MediaLibrary(ParleyDb db, WorkspaceContext workspace, MediaStore store, TimeProvider clock)
{
    public async Task<Outcome<MediaFile>> UploadAsync(Stream content, long length, string mimeType, string? fileName, CancellationToken cancellationToken)
    {
        var head = new byte[32];
        var read = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        if (MediaRules.CheckUpload(mimeType, length, head.AsSpan(0, read)) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var file = new MediaFile
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            MimeType = mimeType,
            FileName = CleanName(fileName),
            State = MediaState.Stored,
            NextAttemptAt = now,
            CreatedAt = now,
        };

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long written = 0;
        await store.SaveAsync(file, async destination =>
        {
            sha.AppendData(head, 0, read);
            await destination.WriteAsync(head.AsMemory(0, read), cancellationToken);
            written = read;
            var buffer = new byte[81920];
            int n;
            while ((n = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                await destination.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                written += n;
            }
        });

        file.Size = written;
        file.Sha256 = Convert.ToHexStringLower(sha.GetHashAndReset());
        db.MediaFiles.Add(file);
        await db.SaveChangesAsync(cancellationToken);
        return file;
    }

    /// <summary>Only the last path segment, without control characters, at most 255 characters.</summary>
    private static string? CleanName(string? name)
    {
        var clean = new string(Path.GetFileName(name ?? "").Where(c => !char.IsControl(c)).ToArray()).Trim();
        return clean.Length == 0 ? null : clean.Length > 255 ? clean[^255..] : clean;
    }
}
