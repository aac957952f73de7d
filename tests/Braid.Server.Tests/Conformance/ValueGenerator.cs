using System.Globalization;
using System.Text.Json.Nodes;

namespace Braid.Server.Tests.Conformance;

/// <summary>
/// The smallest valid value for an OpenAPI 3.0 schema: required properties only, the first branch of a union, the first
/// value of an enum, the minimum of a number, arrays as short as allowed. Fields that hold ids get the id of a real object
/// of the right kind (<paramref name="idFor"/>, by field name); other strings are unique names.
/// </summary>
public sealed class ValueGenerator(SpecDocument spec, Func<string, JsonObject?, Task<string?>> idFor, Func<string> unique)
{
    /// <summary>
    /// A value for <paramref name="schema"/> held by the field <paramref name="name"/> of <paramref name="parent"/>
    /// (the object being built, so <c>object_id</c> can see its <c>object_type</c>).
    /// </summary>
    public async Task<JsonNode?> GenerateAsync(JsonNode schema, string name, JsonObject? parent = null, IReadOnlySet<string>? skip = null)
    {
        var s = spec.Resolve(schema);
        if (s["allOf"] is JsonArray parts)
        {
            var merged = new JsonObject();
            foreach (var part in parts)
            {
                if (await GenerateAsync(part!, name, parent, skip) is JsonObject piece)
                {
                    foreach (var (key, value) in piece)
                    {
                        merged[key] = value?.DeepClone();
                    }
                }
            }

            return merged;
        }

        if ((s["anyOf"] ?? s["oneOf"]) is JsonArray branches)
        {
            // The first branch that is not just null.
            var branch = branches.First(b => (string?)spec.Resolve(b!)["type"] != "null");
            return await GenerateAsync(branch!, name, parent, skip);
        }

        if (s["enum"] is JsonArray values)
        {
            return values.First(v => v is not null)!.DeepClone();
        }

        switch ((string?)s["type"])
        {
            case "object":
            case null when s["properties"] is not null:
                var result = new JsonObject();
                var required = s["required"]?.AsArray().Select(r => (string)r!).ToHashSet() ?? [];
                foreach (var (property, propertySchema) in s["properties"]?.AsObject() ?? [])
                {
                    if (required.Contains(property) && skip?.Contains(property) != true)
                    {
                        result[property] = await GenerateAsync(propertySchema!, property, result);
                    }
                }

                return result;
            case "array":
                var items = new JsonArray();
                var minItems = (int?)s["minItems"] ?? 0;
                for (var i = 0; i < minItems; i++)
                {
                    items.Add(await GenerateAsync(s["items"]!, name));
                }

                return items;
            case "string":
                if (await idFor(name, parent) is { } id)
                {
                    return id;
                }

                if ((string?)s["format"] == "uuid")
                {
                    throw new SetupException($"no rule gives the id field '{name}' an object; add one to the plan");
                }

                if ((string?)s["format"] == "date-time")
                {
                    return DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                }

                var text = unique();
                var minLength = (int?)s["minLength"] ?? 0;
                return text.Length >= minLength ? text : text.PadRight(minLength, 'x');
            case "integer":
            case "number":
                var minimum = (double?)s["minimum"] ?? 0;
                var bound = s["exclusiveMinimum"]?.GetValue<bool>() == true ? minimum + 1 : minimum;
                return (string?)s["type"] == "integer" ? JsonValue.Create((long)Math.Ceiling(bound)) : JsonValue.Create(bound);
            case "boolean":
                return false;
            default:
                return null;
        }
    }
}

/// <summary>An object or value a request needs could not be made; the operation fails with this message.</summary>
public sealed class SetupException(string message) : Exception(message);
