using System.Text.Json.Nodes;

namespace Braid.Server.Objects;

public enum FieldType
{
    String,
    Uuid,
    Boolean,
    Object,
    StringArray,
}

[Flags]
public enum FieldUse
{
    /// <summary>Set by the server only; returned but never read from a body.</summary>
    Derived = 0,

    /// <summary>Accepted on create.</summary>
    Create = 1,

    /// <summary>Must be present and non-null on create.</summary>
    Required = 2,

    /// <summary>Accepted on PATCH; object fields are deep-merged, others replaced.</summary>
    Patch = 4,

    /// <summary>Read from the body but not stored (e.g. <c>ensure_new</c>).</summary>
    Transient = 8,
}

/// <summary>One body field of a kind: its JSON type, where it may appear, and its default.</summary>
public sealed record Field(string Name, FieldType Type, FieldUse Use, bool NonEmpty = false, JsonNode? Default = null)
{
    public bool Has(FieldUse use) => (Use & use) == use;
}

/// <summary>Whether an object lives directly in an organization or inside a project.</summary>
public enum ObjectScope
{
    Organization,
    Project,
}

/// <summary>
/// The declaration of one control-plane kind. <see cref="ObjectsApi"/> gives every kind the same
/// register / list / get / patch / delete semantics from this table; only what differs is declared here.
/// </summary>
public sealed class ObjectKind
{
    /// <summary>The stored kind and the route segment: <c>/v1/{Name}</c>.</summary>
    public required string Name { get; init; }

    public required ObjectScope Scope { get; init; }

    /// <summary>The field that is unique within the scope: POST with an existing value returns that object.</summary>
    public string KeyField { get; init; } = "name";

    /// <summary>The list filter on the object's own name, e.g. <c>experiment_name</c>.</summary>
    public required string NameFilter { get; init; }

    public required IReadOnlyList<Field> Fields { get; init; }

    /// <summary>List size when the request gives no <c>limit</c>; null lists everything.</summary>
    public int? DefaultLimit { get; init; }

    /// <summary>Creates without a key get a generated one (experiments may be unnamed).</summary>
    public Func<string>? GenerateKey { get; init; }

    /// <summary>Honors <c>ensure_new</c>: a taken key gets a numbered suffix instead of returning the existing object.</summary>
    public bool SupportsEnsureNew { get; init; }

    /// <summary>Honors the list filter <c>metadata</c> (a JSON object the object's metadata must match).</summary>
    public bool SupportsMetadataFilter { get; init; }

    /// <summary>Recomputes server-derived fields after a create or a patch.</summary>
    public Action<JsonObject>? Derive { get; init; }

    /// <summary>The path parameter naming an object of this kind, e.g. <c>experiment_id</c>.</summary>
    public string IdParameter => Name + "_id";
}
