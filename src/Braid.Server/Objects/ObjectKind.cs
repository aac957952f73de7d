using System.Text.Json.Nodes;

namespace Braid.Server.Objects;

public enum FieldType
{
    String,
    Uuid,
    Boolean,
    Number,
    Integer,

    /// <summary>One of the field's <see cref="Field.Values"/>.</summary>
    Enum,

    Object,
    StringArray,
    UuidArray,
    ObjectArray,

    /// <summary>Any JSON value; its shape is checked by the kind's <see cref="ObjectKind.Validate"/> if at all.</summary>
    Json,
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

    /// <summary>Read from the body but not stored (e.g. <c>ensure_new</c>, a secret's raw value).</summary>
    Transient = 8,

    /// <summary>A PATCH list whose items are added to the array field <see cref="Field.Target"/> (role/group <c>add_*</c>).</summary>
    AddTo = 16,

    /// <summary>A PATCH list whose items are removed from the array field <see cref="Field.Target"/>.</summary>
    RemoveFrom = 32,
}

/// <summary>
/// One body field of a kind: its JSON type, where it may appear, its default, and for enums the allowed values.
/// Fields whose names start with <c>__</c> are stored but never rendered (encrypted secrets).
/// <c>Items</c> declares the properties of each item of an <see cref="FieldType.ObjectArray"/>: items are checked against
/// them (a <see cref="FieldUse.Required"/> one must be present) and stored with exactly these properties, absent ones as
/// null, so that items compare equal however a client spelled them (a role's <c>remove_member_permissions</c>).
/// <c>References</c> names the kind every id of a <see cref="FieldType.Uuid"/> or <see cref="FieldType.UuidArray"/> field
/// must name in the caller's organization (<c>"user"</c>: a member), checked on every write that gives the field.
/// <see cref="UnionKey"/> marks an object field that is a union keyed by that member (an automation's config by
/// <c>event_type</c>): a PATCH naming another variant replaces the object instead of merging into it.
/// </summary>
public sealed record Field(
    string Name, FieldType Type, FieldUse Use, bool NonEmpty = false, JsonNode? Default = null,
    IReadOnlyList<string>? Values = null, string? Target = null, string? UnionKey = null,
    IReadOnlyList<Field>? Items = null, string? References = null)
{
    public bool Has(FieldUse use) => (Use & use) == use;
}

/// <summary>Where an object lives: the scope its natural key is unique in and its list filters look at.</summary>
public enum ObjectScope
{
    /// <summary>Directly in the organization.</summary>
    Organization,

    /// <summary>In the project named by the body's <c>project_id</c>.</summary>
    Project,

    /// <summary>In the dataset named by the body's <c>dataset_id</c> (dataset snapshots).</summary>
    Dataset,

    /// <summary>On any object named by the body's <c>object_type</c> + <c>object_id</c> (views, env vars).</summary>
    Object,
}

/// <summary>
/// A list filter on one field of the document: <c>?{Parameter}=a,b</c> keeps objects whose field is one of the values.
/// </summary>
public sealed record ListFilter(string Parameter, string Field);

/// <summary>What a write hook sees: the request body, the document about to be stored, and who writes it.</summary>
public sealed record ObjectWrite(JsonObject Body, JsonObject Document, Braid.Storage.Tenancy.Principal Principal, IServiceProvider Services)
{
    /// <summary>True when the document is new (POST or a PUT that found nothing), false for PATCH or a replacing PUT.</summary>
    public bool Creating { get; init; }
}

/// <summary>
/// The declaration of one control-plane kind. <see cref="ObjectsApi"/> gives every kind the same
/// register / replace / list / get / patch / delete semantics from this table; only what differs is declared here.
/// </summary>
public sealed class ObjectKind
{
    /// <summary>The stored kind and the route segment: <c>/v1/{Name}</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The collection route; <c>/v1/{Name}</c> unless the spec puts it elsewhere (<c>/environment</c>).</summary>
    public string Path => PathOverride ?? "/v1/" + Name;

    public string? PathOverride { get; init; }

    public required ObjectScope Scope { get; init; }

    /// <summary>
    /// The ACL object type objects of this kind are checked as (<c>project</c>, <c>experiment</c>, <c>prompt</c>...).
    /// Null for kinds that are a part of the object they are scoped in (a project's scores and tags, a view on an
    /// experiment, an organization's secrets): reading one needs <c>read</c> on that object, any change <c>update</c>.
    /// </summary>
    public string? AclType { get; init; }

    /// <summary>For <see cref="ObjectScope.Object"/>: the <c>object_type</c> values an object may hang on.</summary>
    public IReadOnlyList<string>? ScopeTypes { get; init; }

    /// <summary>The field that is unique within the scope: POST with an existing value returns that object.</summary>
    public string KeyField { get; init; } = "name";

    /// <summary>The list filter on the object's own name, e.g. <c>experiment_name</c>.</summary>
    public required string NameFilter { get; init; }

    public required IReadOnlyList<Field> Fields { get; init; }

    /// <summary>Extra list filters on document fields (e.g. <c>score_type</c>, <c>slug</c>).</summary>
    public IReadOnlyList<ListFilter> ListFilters { get; init; } = [];

    /// <summary>List size when the request gives no <c>limit</c>; null lists everything.</summary>
    public int? DefaultLimit { get; init; }

    /// <summary>Creates without a key get a generated one (experiments may be unnamed).</summary>
    public Func<string>? GenerateKey { get; init; }

    /// <summary>Honors <c>ensure_new</c>: a taken key gets a numbered suffix instead of returning the existing object.</summary>
    public bool SupportsEnsureNew { get; init; }

    /// <summary>
    /// Honors <c>if_exists</c> on POST (functions, from the SDK's <c>registerSandbox</c>): <c>ignore</c> (the default)
    /// returns the existing object as register does, <c>replace</c> replaces it as PUT does, <c>error</c> is a 400.
    /// </summary>
    public bool SupportsIfExists { get; init; }

    /// <summary>Honors the list filter <c>metadata</c> (a JSON object the object's metadata must match).</summary>
    public bool SupportsMetadataFilter { get; init; }

    /// <summary>Collection-level PUT: create, or replace the fields of the object holding the natural key.</summary>
    public bool SupportsReplace { get; init; }

    /// <summary>
    /// Every write is kept as a version with its own <c>_xact_id</c>; reads take <c>version</c> and <c>environment</c>
    /// (prompts and functions).
    /// </summary>
    public bool Versioned { get; init; }

    /// <summary>
    /// For <see cref="ObjectScope.Object"/> kinds whose reads must name the object (views): GET, PATCH and DELETE
    /// take <c>object_type</c> + <c>object_id</c>, and a mismatch is a 404.
    /// </summary>
    public bool ScopeRequiredOnReads { get; init; }

    /// <summary>
    /// <c>DELETE {Path}</c> with a body naming the object by its natural key (and scope, and <c>org_name</c>),
    /// beside the delete by id: ai_secret's <c>{name, org_name?}</c>.
    /// </summary>
    public bool DeleteByKey { get; init; }

    /// <summary>
    /// Fields every document gets (<c>user_id</c>, <c>deleted_at</c>) that this kind's wire shape lacks: kept in
    /// the store, never rendered.
    /// </summary>
    public IReadOnlyList<string> OmittedFields { get; init; } = [];

    /// <summary>
    /// The field recording who created the object, filled from the caller when the body leaves it out; null for
    /// kinds whose <c>user_id</c> means something else (an ACL's grantee).
    /// </summary>
    public string? CreatorField { get; init; } = "user_id";

    /// <summary>
    /// Objects every organization sees and nobody may change (the system roles, <c>org_id</c> null). They hold their
    /// natural key in every organization, are listed after the organization's own objects, and PUT, PATCH or DELETE
    /// on one is a 403.
    /// </summary>
    public IReadOnlyList<JsonObject> BuiltIns { get; init; } = [];

    /// <summary>Recomputes server-derived fields (the natural key, if the kind derives it) after a create or a patch.</summary>
    public Action<JsonObject>? Derive { get; init; }

    /// <summary>Rules across fields (XOR pairs, unions by discriminator); throws a 400 naming the field.</summary>
    public Action<JsonObject>? Validate { get; init; }

    /// <summary>Runs on every write after the fields are applied (encrypting a secret into a hidden field).</summary>
    public Action<ObjectWrite>? OnWrite { get; init; }

    /// <summary>The path parameter naming an object of this kind, e.g. <c>experiment_id</c>.</summary>
    public string IdParameter => Name + "_id";
}
