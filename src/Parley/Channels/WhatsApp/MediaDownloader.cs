using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Hosting;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>Wakes the media downloader.</summary>
public sealed class MediaBell : Bell;

/// <summary>
/// Downloads inbound media through the Graph API into the media store: look up the id, fetch the
/// short-lived URL with the number's token, check the SHA-256 WhatsApp gave, store. Failures are
/// retried with backoff; when WhatsApp no longer has the file, or after <see cref="MaxAttempts"/>, the
/// file is marked failed with the reason (shown on the message), never silently dropped.
/// </summary>
public sealed partial class MediaDownloader(IServiceScopeFactory scopes, MediaBell bell, TimeProvider clock, ILogger<MediaDownloader> logger) : BackgroundService
{
    public const int MaxAttempts = 10;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await DownloadNextAsync(stoppingToken))
                {
                    await bell.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLoopFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    private async Task<bool> DownloadNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var media = await db.MediaFiles.IgnoreQueryFilters()
            .Where(m => m.State == MediaState.Pending && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).FirstOrDefaultAsync(cancellationToken);
        if (media is null)
        {
            return false;
        }

        var number = await db.WhatsAppNumbers.IgnoreQueryFilters().FirstAsync(n => n.Id == media.WhatsAppNumberId, cancellationToken);
        var graph = scope.ServiceProvider.GetRequiredService<GraphClient>();
        var store = scope.ServiceProvider.GetRequiredService<MediaStore>();
        media.Attempts++;
        try
        {
            var found = await graph.GetMediaAsync(number, media.ProviderMediaId!, cancellationToken);
            if (found is null)
            {
                Fail(media, "WhatsApp no longer has this file (media ids expire after 7 days). Ask the customer to send it again.");
            }
            else
            {
                string? hash = null;
                await store.SaveAsync(media, async file =>
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    await using var hashing = new HashingStream(file, sha);
                    await graph.DownloadAsync(number, found.Url, hashing, cancellationToken);
                    hash = Convert.ToHexStringLower(sha.GetHashAndReset());
                    media.Size = hashing.Written;
                });
                var expected = found.Sha256 ?? media.Sha256;
                if (expected is { Length: 64 } && !string.Equals(expected, hash, StringComparison.OrdinalIgnoreCase))
                {
                    store.Delete(media);
                    Retry(media, "The downloaded file does not match WhatsApp's SHA-256.", now);
                }
                else
                {
                    media.State = MediaState.Stored;
                    media.MimeType = found.MimeType ?? media.MimeType;
                    media.Sha256 = hash;
                    media.LastError = null;
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Retry(media, e.Message, now);
        }

        await db.SaveChangesAsync(CancellationToken.None);

        return true;
    }

    private static void Retry(MediaFile media, string reason, DateTime now)
    {
        if (media.Attempts >= MaxAttempts)
        {
            Fail(media, $"Gave up after {media.Attempts} attempts: {reason}");
            return;
        }

        media.LastError = reason.Length > 1000 ? reason[..1000] : reason;
        media.NextAttemptAt = now + TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, media.Attempts)));
    }

    private static void Fail(MediaFile media, string reason)
    {
        media.State = MediaState.Failed;
        media.LastError = reason.Length > 1000 ? reason[..1000] : reason;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The media download loop failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    /// <summary>Hashes what passes through on its way to the file.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
