using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Events;

/// <summary>
/// Checks insert rows and feedback items before they are queued, so every problem is a 400 (or 413) that names
/// the row and field, e.g. <c>events[3].scores.accuracy</c>. Unknown fields are kept: nothing a client sends is dropped.
/// </summary>
public static class EventValidation
{
    private static readonly string[] ObjectFields = ["metadata", "metrics", "context", "span_attributes", "origin", "facets", "scores"];
    private static readonly string[] StringFields = ["span_id", "root_span_id", "_parent_id"];
    private static readonly string[] StringArrayFields = ["tags", "span_parents"];
    private static readonly string[] BooleanFields = ["_is_merge", "_object_delete"];

    public static JsonArray Array(JsonObject body, string field)
    {
        return body[field] switch
        {
            JsonArray array => array,
            null => throw ApiException.BadRequest($"{field}: is required (an array)"),
            var other => throw ApiException.BadRequest($"{field}: must be an array, not {JsonBody.Describe(other)}"),
        };
    }

    /// <summary>Validates one insert row in place and gives it an id if it has none; returns the id.</summary>
    public static string Row(JsonNode? node, string where)
    {
        if (node is not JsonObject row)
        {
            throw ApiException.BadRequest($"{where}: must be an object, not {JsonBody.Describe(node)}");
        }

        var id = OptionalString(row, "id", where) ?? Guid.NewGuid().ToString();
        row["id"] = id;
        if (OptionalString(row, "created", where) is { } created &&
            !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            throw ApiException.BadRequest($"{where}.created: '{created}' is not an ISO-8601 date-time");
        }

        foreach (var field in StringFields)
        {
            OptionalString(row, field, where);
        }

        foreach (var field in ObjectFields)
        {
            OptionalObject(row, field, where);
        }

        foreach (var field in StringArrayFields)
        {
            OptionalStrings(row[field], $"{where}.{field}");
        }

        foreach (var field in BooleanFields)
        {
            if (row[field] is { } value && value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw ApiException.BadRequest($"{where}.{field}: must be a boolean, not {JsonBody.Describe(value)}");
            }
        }

        Scores(row["scores"], $"{where}.scores");
        if (row["metrics"] is JsonObject metrics)
        {
            foreach (var (name, value) in metrics)
            {
                if (value is not null && value.GetValueKind() != JsonValueKind.Number)
                {
                    throw ApiException.BadRequest($"{where}.metrics.{name}: must be a number, not {JsonBody.Describe(value)}");
                }
            }
        }

        if (row["_merge_paths"] is { } paths)
        {
            if (paths is not JsonArray list)
            {
                throw ApiException.BadRequest($"{where}._merge_paths: must be an array of paths (arrays of strings)");
            }

            for (var i = 0; i < list.Count; i++)
            {
                OptionalStrings(list[i] ?? throw ApiException.BadRequest($"{where}._merge_paths[{i}]: must be an array of strings"), $"{where}._merge_paths[{i}]");
            }
        }

        if (row["_array_delete"] is { } deletes)
        {
            if (deletes is not JsonArray list)
            {
                throw ApiException.BadRequest($"{where}._array_delete: must be an array of {{path, delete}} objects");
            }

            for (var i = 0; i < list.Count; i++)
            {
                var at = $"{where}._array_delete[{i}]";
                if (list[i] is not JsonObject item || item["path"] is not JsonArray || item["delete"] is not JsonArray)
                {
                    throw ApiException.BadRequest($"{at}: must be an object with 'path' (array of strings) and 'delete' (array)");
                }

                OptionalStrings(item["path"], $"{at}.path");
            }
        }

        return id;
    }

    /// <summary>Validates one feedback item; datasets take no scores or expected.</summary>
    public static JsonObject Feedback(JsonNode? node, string where, bool dataset)
    {
        if (node is not JsonObject item)
        {
            throw ApiException.BadRequest($"{where}: must be an object, not {JsonBody.Describe(node)}");
        }

        if (OptionalString(item, "id", where) is null)
        {
            throw ApiException.BadRequest($"{where}.id: is required");
        }

        OptionalString(item, "comment", where);
        OptionalObject(item, "metadata", where);
        OptionalStrings(item["tags"], $"{where}.tags");
        if (OptionalString(item, "source", where) is { } source && source is not ("app" or "api" or "external"))
        {
            throw ApiException.BadRequest($"{where}.source: must be one of app, api, external; got '{source}'");
        }

        if (dataset)
        {
            foreach (var field in new[] { "scores", "expected" })
            {
                if (item.ContainsKey(field))
                {
                    throw ApiException.BadRequest($"{where}.{field}: dataset feedback takes no {field}");
                }
            }
        }

        OptionalObject(item, "scores", where);
        Scores(item["scores"], $"{where}.scores");
        return item;
    }

    private static void Scores(JsonNode? scores, string where)
    {
        if (scores is not JsonObject map)
        {
            return;
        }

        foreach (var (name, value) in map)
        {
            if (value is null)
            {
                continue;
            }

            if (value.GetValueKind() != JsonValueKind.Number || value.GetValue<double>() is < 0 or > 1)
            {
                throw ApiException.BadRequest($"{where}.{name}: must be a number between 0 and 1 (or null), not {value.ToJsonString()}");
            }
        }
    }

    private static string? OptionalString(JsonObject obj, string field, string where) =>
        obj[field] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var other => throw ApiException.BadRequest($"{where}.{field}: must be a string, not {JsonBody.Describe(other)}"),
        };

    private static void OptionalObject(JsonObject obj, string field, string where)
    {
        if (obj[field] is { } value and not JsonObject)
        {
            throw ApiException.BadRequest($"{where}.{field}: must be an object, not {JsonBody.Describe(value)}");
        }
    }

    private static void OptionalStrings(JsonNode? node, string where)
    {
        if (node is null)
        {
            return;
        }

        if (node is not JsonArray array || array.Any(i => i?.GetValueKind() != JsonValueKind.String))
        {
            throw ApiException.BadRequest($"{where}: must be an array of strings");
        }
    }
}
