using System.Buffers;

namespace Braid.Storage.Blobs;

/// <summary>
/// Large bytes (attachments, overflowing log payloads) as files under one directory, addressed by
/// slash-separated keys. Writes land in a temporary file and are renamed into place, so a reader never
/// sees half a blob and a crash leaves no partial one.
/// </summary>
public sealed class BlobStore(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Keys are letters, digits and <c>-_.</c> segments joined by <c>/</c>; nothing can escape the directory.</summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length is 0 or > 512)
        {
            return false;
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stores the stream under the key, replacing any previous blob; false when it exceeded <paramref name="maxBytes"/>.</summary>
    public async Task<bool> WriteAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial";
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        return false;
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(temporary);
        }
    }

    public Stream? OpenRead(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous) : null;
    }

    public bool Exists(string key) => File.Exists(PathOf(key));

    /// <summary>Removes the blob under the key, if any.</summary>
    public void Delete(string key) => File.Delete(PathOf(key));

    /// <summary>Removes the blobs under <paramref name="prefix"/> last written before <paramref name="cutoff"/>; returns how many.</summary>
    public int DeleteOlderThan(string prefix, DateTimeOffset cutoff)
    {
        var root = PathOf(prefix);
        if (!System.IO.Directory.Exists(root))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var file in new DirectoryInfo(root).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            try
            {
                if (file.LastWriteTimeUtc < cutoff.UtcDateTime)
                {
                    file.Delete();
                    deleted++;
                }
            }
            catch (IOException)
            {
                // Removed or replaced meanwhile by the request that owns it: not ours to clean up.
            }
        }

        return deleted;
    }

    private string PathOf(string key) =>
        IsValidKey(key) ? Path.Combine(Directory, key.Replace('/', Path.DirectorySeparatorChar)) : throw new ArgumentException($"invalid blob key '{key}'", nameof(key));
}
