using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
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

            var content = Read(assembly, name);
            var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal))
            {
                type += "; charset=utf-8";
            }

            files[path[Prefix.Length..]] = new UiAsset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
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
