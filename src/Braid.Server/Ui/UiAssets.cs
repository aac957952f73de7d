using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;

namespace Braid.Server.Ui;

/// <summary>One file of the web UI: its bytes, content type and a strong ETag of its content.</summary>
public sealed record UiAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The web UI's files (<c>Ui/wwwroot/**</c>), embedded in the assembly so <c>dotnet run</c>, the published executable
/// and the tests all serve the same bytes with nothing to copy beside them. They are few and small, so all of them
/// are read once into memory.
/// </summary>
public sealed class UiAssets
{
    // The csproj names each resource "ui/<path under wwwroot>"; RecursiveDir keeps the build machine's separator.
    private const string Prefix = "ui/";

    /// <summary>Where index.html wants the list of every module to preload.</summary>
    private const string PreloadMarker = "<!-- modulepreload -->";

    private readonly FrozenDictionary<string, UiAsset> _files;

    public UiAssets()
    {
        var assembly = typeof(UiAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var files = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var path = name.Replace('\\', '/');
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            files[path[Prefix.Length..]] = Asset(path, Read(assembly, name), types);
        }

        // The browser finds modules one import level at a time (main.js, then the pages, then their components), a
        // round trip per level; listing them all in the page lets it fetch every one at once.
        var preloads = string.Concat(files.Keys.Where(p => p.EndsWith(".js", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(p => $"<link rel=\"modulepreload\" href=\"/ui/{p}\">\n  "));
        var index = Encoding.UTF8.GetString(files["index.html"].Content).Replace(PreloadMarker, preloads.TrimEnd(), StringComparison.Ordinal);
        files["index.html"] = Asset("index.html", Encoding.UTF8.GetBytes(index), types);
        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static UiAsset Asset(string path, byte[] content, FileExtensionContentTypeProvider types)
    {
        var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal))
        {
            type += "; charset=utf-8";
        }

        return new UiAsset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }

    /// <summary>The file at <paramref name="path"/> (relative to wwwroot, '/'-separated), or null.</summary>
    public UiAsset? Find(string path) => _files.GetValueOrDefault(path);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
