using System.Text.Json.Nodes;

namespace Braid.Server.Objects;

public static class JsonMerge
{
    /// <summary>
    /// Deep-merges <paramref name="patch"/> into <paramref name="target"/>: objects merge key by key at every
    /// depth, anything else (arrays, scalars, null) replaces. This is Braintrust's PATCH rule for object fields.
    /// </summary>
    public static void Into(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is JsonObject patchChild && target[key] is JsonObject targetChild)
            {
                Into(targetChild, patchChild);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }
}
