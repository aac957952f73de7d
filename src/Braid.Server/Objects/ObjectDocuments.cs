using System.Text.Json.Nodes;
using Braid.Server.Http;
using Braid.Storage;
using Braid.Storage.Merge;
using Braid.Storage.Objects;

namespace Braid.Server.Objects;

/// <summary>Builds, patches and renders the JSON documents of control-plane objects from a kind's field table.</summary>
public static class ObjectDocuments
{
    /// <summary>Prefix of stored fields that are never rendered (an encrypted secret).</summary>
    public const string HiddenPrefix = "__";

    /// <summary>A new document from the create fields of <paramref name="body"/>; a 400 names a missing or bad one.</summary>
    public static JsonObject Create(ObjectKind kind, JsonObject body)
    {
        var doc = new JsonObject { ["id"] = Ids.New() };
        foreach (var field in kind.Fields)
        {
            if (field.Has(FieldUse.Transient) || field.Use is FieldUse.AddTo or FieldUse.RemoveFrom)
            {
                continue;
            }

            var given = field.Has(FieldUse.Create) && body.TryGetPropertyValue(field.Name, out var value) ? value : null;
            if (field.Has(FieldUse.Required) && given is null)
            {
                ApiException.ThrowBadRequest($"{field.Name}: is required");
            }

            doc[field.Name] = given is null ? field.Default?.DeepClone() : FieldValidation.Check(field, given);
        }

        doc["created"] = Clock.Format(DateTimeOffset.UtcNow);
        doc["deleted_at"] = null;
        return doc;
    }

    /// <summary>
    /// PUT on an existing object: every create field the body gives replaces the stored value (no deep merge);
    /// fields the body leaves out keep theirs. Identity and server fields stay.
    /// </summary>
    public static void Replace(ObjectKind kind, JsonObject doc, JsonObject body)
    {
        foreach (var field in kind.Fields)
        {
            if (field.Has(FieldUse.Create) && !field.Has(FieldUse.Transient) && body.TryGetPropertyValue(field.Name, out var given))
            {
                if (field.Has(FieldUse.Required) && given is null)
                {
                    ApiException.ThrowBadRequest($"{field.Name}: must not be null");
                }

                doc[field.Name] = FieldValidation.Check(field, given);
            }
        }
    }

    /// <summary>PATCH: object fields deep-merge, others replace, and add/remove lists edit their target arrays.</summary>
    public static void Patch(ObjectKind kind, JsonObject doc, JsonObject body)
    {
        foreach (var field in kind.Fields)
        {
            if (!body.TryGetPropertyValue(field.Name, out var given))
            {
                continue;
            }

            if (field.Has(FieldUse.AddTo) || field.Has(FieldUse.RemoveFrom))
            {
                if (FieldValidation.Check(field, given) is JsonArray items)
                {
                    EditArray(doc, field.Target!, items, add: field.Has(FieldUse.AddTo));
                }

                continue;
            }

            // A transient field is read by the kind's hooks (a secret's raw value), never stored as given.
            if (!field.Has(FieldUse.Patch) || field.Has(FieldUse.Transient))
            {
                continue;
            }

            var value = FieldValidation.Check(field, given);
            if (value is JsonObject patch && doc[field.Name] is JsonObject current && !SwitchesVariant(field, current, patch))
            {
                JsonMerge.Into(current, patch);
            }
            else
            {
                doc[field.Name] = value;
            }
        }
    }

    // A patch naming another variant of a union starts that variant afresh: the two variants' fields merged make neither.
    private static bool SwitchesVariant(Field field, JsonObject current, JsonObject patch) =>
        field.UnionKey is { } key && patch[key] is { } next && !JsonNode.DeepEquals(next, current[key]);

    // Set semantics: an item already present is not added twice; items compare as JSON.
    private static void EditArray(JsonObject doc, string target, JsonArray items, bool add)
    {
        var current = doc[target] as JsonArray ?? [];
        var result = new JsonArray();
        foreach (var item in current)
        {
            if (add || !items.Any(i => JsonNode.DeepEquals(i, item)))
            {
                result.Add(item?.DeepClone());
            }
        }

        if (add)
        {
            foreach (var item in items)
            {
                if (!result.Any(i => JsonNode.DeepEquals(i, item)))
                {
                    result.Add(item?.DeepClone());
                }
            }
        }

        doc[target] = result;
    }

    public static ObjectRow ToRow(ObjectKind kind, string orgId, string scopeId, JsonObject doc) => new(
        Seq: 0,
        Id: doc["id"]!.GetValue<string>(),
        OrgId: orgId,
        Kind: kind.Name,
        ScopeId: scopeId,
        NaturalKey: doc[kind.KeyField]?.GetValue<string>(),
        Name: doc["name"]?.GetValue<string>(),
        Data: doc.ToJsonString(),
        Created: doc["created"]!.GetValue<string>(),
        DeletedAt: null);

    /// <summary>The stored document with its hidden fields; deleted_at comes from its column.</summary>
    public static JsonObject Load(ObjectRow row) => Load(row.Data, row.DeletedAt);

    public static JsonObject Load(string data, string? deletedAt)
    {
        var doc = JsonNode.Parse(data)!.AsObject();

        // deleted_at lives in its column (a project delete cascades to its children without rewriting them).
        doc["deleted_at"] = deletedAt;
        return doc;
    }

    /// <summary>What a client sees: the document without its hidden fields and those the kind omits.</summary>
    public static JsonObject Render(ObjectKind kind, JsonObject doc)
    {
        var shown = new JsonObject();
        foreach (var (name, value) in doc)
        {
            if (!name.StartsWith(HiddenPrefix, StringComparison.Ordinal) && !kind.OmittedFields.Contains(name))
            {
                shown[name] = value?.DeepClone();
            }
        }

        return shown;
    }

    public static JsonObject Render(ObjectKind kind, ObjectRow row) => Render(kind, Load(row));
}
