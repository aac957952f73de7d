using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Server.Http;

namespace Braid.Server.Objects;

/// <summary>Checks a body value against its declared field, throwing a 400 that names the field.</summary>
public static class FieldValidation
{
    /// <summary>Returns the value to store: a normalized copy, or null for an explicit JSON null.</summary>
    public static JsonNode? Check(Field field, JsonNode? value)
    {
        if (value is null)
        {
            if (field.NonEmpty)
            {
                ApiException.ThrowBadRequest($"{field.Name}: must not be null");
            }

            return null;
        }

        var kind = value.GetValueKind();
        switch (field.Type)
        {
            case FieldType.String when kind == JsonValueKind.String:
                if (field.NonEmpty && value.GetValue<string>().Length == 0)
                {
                    ApiException.ThrowBadRequest($"{field.Name}: must not be empty");
                }

                return value.DeepClone();
            case FieldType.Uuid when kind == JsonValueKind.String:
                return Ids.TryNormalize(value.GetValue<string>(), out var id)
                    ? JsonValue.Create(id)
                    : throw ApiException.BadRequest($"{field.Name}: '{value.GetValue<string>()}' is not a valid UUID");
            case FieldType.Boolean when kind is JsonValueKind.True or JsonValueKind.False:
            case FieldType.Object when kind == JsonValueKind.Object:
                return value.DeepClone();
            case FieldType.StringArray when kind == JsonValueKind.Array:
                foreach (var item in value.AsArray())
                {
                    if (item?.GetValueKind() != JsonValueKind.String)
                    {
                        ApiException.ThrowBadRequest($"{field.Name}: must be an array of strings, but an item is {JsonBody.Describe(item)}");
                    }
                }

                return value.DeepClone();
            default:
                throw ApiException.BadRequest($"{field.Name}: must be {Expected(field.Type)}, not {JsonBody.Describe(value)}");
        }
    }

    private static string Expected(FieldType type) => type switch
    {
        FieldType.String => "a string",
        FieldType.Uuid => "a UUID string",
        FieldType.Boolean => "a boolean",
        FieldType.Object => "an object",
        _ => "an array of strings",
    };
}
