using System.Text.Json.Nodes;

namespace Braid.Storage.Merge;

/// <summary>Braintrust's deep-merge rule, shared by control-plane PATCH and event <c>_is_merge</c> writes.</summary>
public static class JsonMerge
{
    /// <summary>
    /// Merges <paramref name="patch"/> into <paramref name="target"/>: objects merge key by key at every depth,
    /// anything else (arrays, scalars, null) replaces. At a path listed in <paramref name="stopPaths"/>
    /// (<c>_merge_paths</c>) the merge stops descending and the patch value replaces the old one whole.
    /// </summary>
    public static void Into(JsonObject target, JsonObject patch, IReadOnlyList<string[]>? stopPaths = null) =>
        Into(target, patch, stopPaths, []);

    private static void Into(JsonObject target, JsonObject patch, IReadOnlyList<string[]>? stopPaths, List<string> path)
    {
        foreach (var (key, value) in patch)
        {
            path.Add(key);
            if (value is JsonObject patchChild && target[key] is JsonObject targetChild && !IsStop(stopPaths, path))
            {
                Into(targetChild, patchChild, stopPaths, path);
            }
            else
            {
                target[key] = value?.DeepClone();
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary><c>_array_delete</c>: removes every listed value from the array at <paramref name="path"/>, if there is one.</summary>
    public static void DeleteFromArray(JsonObject row, IReadOnlyList<string> path, JsonArray values)
    {
        JsonNode? node = row;
        foreach (var key in path)
        {
            node = node is JsonObject o ? o[key] : null;
        }

        if (node is not JsonArray array)
        {
            return;
        }

        for (var i = array.Count - 1; i >= 0; i--)
        {
            if (values.Any(v => JsonNode.DeepEquals(v, array[i])))
            {
                array.RemoveAt(i);
            }
        }
    }

    private static bool IsStop(IReadOnlyList<string[]>? stopPaths, List<string> path)
    {
        if (stopPaths is null)
        {
            return false;
        }

        foreach (var stop in stopPaths)
        {
            if (stop.AsSpan().SequenceEqual(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(path)))
            {
                return true;
            }
        }

        return false;
    }
}
