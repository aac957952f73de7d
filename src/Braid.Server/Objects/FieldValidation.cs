using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Objects;

/// <summary>Checks a body value against its declared field, throwing a 400 that names the field.</summary>
public static class FieldValidation
{
    /// <summary>Returns the value to store: a normalized copy, or null for an explicit JSON null.</summary>
    public static JsonNode? Check(Field field, JsonNode? value) => Check(field.Name, field, value);

    private static JsonNode? Check(string name, Field field, JsonNode? value)
    {
        if (value is null)
        {
            if (field.NonEmpty)
            {
                ApiException.ThrowBadRequest($"{name}: must not be null");
            }

            return null;
        }

        var kind = value.GetValueKind();
        switch (field.Type)
        {
            case FieldType.String when kind == JsonValueKind.String:
                if (field.NonEmpty && value.GetValue<string>().Length == 0)
                {
                    ApiException.ThrowBadRequest($"{name}: must not be empty");
                }

                return value.DeepClone();
            case FieldType.Uuid when kind == JsonValueKind.String:
                return Ids.TryNormalize(value.GetValue<string>(), out var id)
                    ? JsonValue.Create(id)
                    : throw ApiException.BadRequest($"{name}: '{value.GetValue<string>()}' is not a valid UUID");
            case FieldType.Enum when kind == JsonValueKind.String:
                return field.Values!.Contains(value.GetValue<string>())
                    ? value.DeepClone()
                    : throw ApiException.BadRequest(
                        $"{name}: '{value.GetValue<string>()}' is not one of {string.Join(", ", field.Values!)}");
            case FieldType.Integer when kind == JsonValueKind.Number && value.AsValue().TryGetValue<long>(out _):
            case FieldType.Number when kind == JsonValueKind.Number:
            case FieldType.Boolean when kind is JsonValueKind.True or JsonValueKind.False:
            case FieldType.Object when kind == JsonValueKind.Object:
            case FieldType.Json:
                return value.DeepClone();
            case FieldType.StringArray or FieldType.UuidArray or FieldType.ObjectArray when kind == JsonValueKind.Array:
                var items = new JsonArray();
                var itemField = field with { Type = ItemType(field.Type), NonEmpty = true };
                var index = 0;
                foreach (var item in value.AsArray())
                {
                    var itemName = $"{name}[{index++}]";
                    var checkedItem = Check(itemName, itemField, item);
                    items.Add(field.Items is null ? checkedItem : CheckProperties(itemName, field.Items, checkedItem!.AsObject()));
                }

                return items;
            default:
                throw ApiException.BadRequest($"{name}: must be {Expected(field)}, not {JsonBody.Describe(value)}");
        }
    }

    // An object reduced to the declared properties, each checked; absent ones become null.
    private static JsonObject CheckProperties(string name, IReadOnlyList<Field> properties, JsonObject item)
    {
        var result = new JsonObject();
        foreach (var property in properties)
        {
            var given = item[property.Name];
            if (given is null)
            {
                result[property.Name] = property.Has(FieldUse.Required)
                    ? throw ApiException.BadRequest($"{name}.{property.Name}: is required")
                    : null;
                continue;
            }

            result[property.Name] = Check($"{name}.{property.Name}", property, given);
        }

        return result;
    }

    private static FieldType ItemType(FieldType arrayType) => arrayType switch
    {
        FieldType.UuidArray => FieldType.Uuid,
        FieldType.ObjectArray => FieldType.Object,
        _ => FieldType.String,
    };

    private static string Expected(Field field) => field.Type switch
    {
        FieldType.String => "a string",
        FieldType.Uuid => "a UUID string",
        FieldType.Boolean => "a boolean",
        FieldType.Number => "a number",
        FieldType.Integer => "an integer",
        FieldType.Enum => $"one of {string.Join(", ", field.Values!)}",
        FieldType.Object => "an object",
        FieldType.UuidArray => "an array of UUIDs",
        FieldType.ObjectArray => "an array of objects",
        _ => "an array of strings",
    };
}
