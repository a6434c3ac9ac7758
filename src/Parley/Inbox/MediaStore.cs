using Microsoft.Extensions.Options;
using Parley.Hosting;

namespace Parley.Inbox;

/// <summary>
/// Files under <c>{DataDirectory}/media/{workspace}/{media id}</c>. Written to a temporary name and
/// renamed, so a file that exists is always complete.
/// </summary>
public sealed class MediaStore(IOptions<ParleyOptions> options)
{
    private string Root => Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "media");

    public string PathOf(MediaFile media) => Path.Combine(Root, media.WorkspaceId.ToString("N"), media.Id.ToString("N"));

    public async Task SaveAsync(MediaFile media, Func<Stream, Task> write)
    {
        var path = PathOf(media);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".part";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await write(file);
            await file.FlushAsync();
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public Stream? Open(MediaFile media) => File.Exists(PathOf(media)) ? File.OpenRead(PathOf(media)) : null;

    public void Delete(MediaFile media)
    {
        File.Delete(PathOf(media));
    }
}
