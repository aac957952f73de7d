using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Rollups;
using Braid.Storage.Tenancy;

namespace Braid.Server.Objects;

/// <summary>
/// The generic control-plane API: every kind in <see cref="ObjectKinds"/> gets register-by-key POST, create-or-replace
/// PUT, cursor-paged GET, GET by id, deep-merging PATCH and soft DELETE with the spec's semantics (inventory §1.4).
/// </summary>
public static class ObjectsApi
{
    public const string FoundExistingHeader = "x-bt-found-existing";

    // POST's if_exists (kinds with SupportsIfExists): read from the body, never stored.
    internal static readonly Field IfExists = new("if_exists", FieldType.Enum, FieldUse.Create, Values: ["error", "replace", "ignore"]);

    public static IEndpointRouteBuilder MapObjectsApi(this IEndpointRouteBuilder routes)
    {
        foreach (var kind in ObjectKinds.All)
        {
            var group = routes.MapGroup(kind.Path).WithTags(kind.Name);
            group.MapPost("", (HttpContext http, ObjectStore store) => CreateAsync(kind, http, store));
            if (kind.SupportsReplace)
            {
                group.MapPut("", async (HttpContext http, ObjectStore store) => await ReplaceAsync(kind, await JsonBody.ReadObjectAsync(http), http, store));
            }

            if (kind.DeleteByKey)
            {
                group.MapDelete("", (HttpContext http, ObjectStore store) => DeleteByKeyAsync(kind, http, store));
            }

            group.MapGet("", (HttpContext http, ObjectStore store) => ListAsync(kind, http, store));
            var byId = $"{{{kind.IdParameter}}}";
            group.MapGet(byId, (HttpContext http, ObjectStore store) => GetAsync(kind, PathId(kind, http), http, store));
            group.MapPatch(byId, (HttpContext http, ObjectStore store) => PatchAsync(kind, PathId(kind, http), http, store));
            group.MapDelete(byId, (HttpContext http, ObjectStore store) => DeleteAsync(kind, PathId(kind, http), http, store));
        }

        return routes;
    }

    internal static async Task<IResult> CreateAsync(ObjectKind kind, HttpContext http, ObjectStore store)
    {
        var (doc, existing) = await CreateAsync(kind, await JsonBody.ReadObjectAsync(http), http, store);
        if (existing)
        {
            http.Response.Headers[FoundExistingHeader] = "true";
        }

        return JsonResults.Ok(doc);
    }

    /// <summary>POST semantics for one body: register, or with <c>if_exists</c> (kinds that take it) replace, keep or refuse the object holding the key.</summary>
    internal static Task<(JsonObject Object, bool Existing)> CreateAsync(ObjectKind kind, JsonObject body, HttpContext http, ObjectStore store) =>
        UpsertAsync(kind, body, kind.SupportsIfExists ? FieldValidation.Check(IfExists, body["if_exists"])?.GetValue<string>() : null, http, store);

    /// <summary>
    /// Creates the object, or when its key is taken: <c>replace</c>s it, returns it unchanged (<c>ignore</c>, null) or
    /// refuses (<c>error</c>). With <paramref name="checkOnly"/> it runs every check and writes nothing, so a batch can
    /// refuse a bad object before it has written any.
    /// </summary>
    internal static async Task<(JsonObject Object, bool Existing)> UpsertAsync(
        ObjectKind kind, JsonObject body, string? ifExists, HttpContext http, ObjectStore store, bool checkOnly = false)
    {
        if (ifExists == "replace")
        {
            return await ReplaceDocumentAsync(kind, body, http, store, checkOnly);
        }

        var principal = await http.InOrganizationAsync(OptionalString(body, "org_name"));
        var scopeId = await ObjectScopes.ForCreateAsync(kind, body, principal, store);
        var (doc, existing) = await RegisterAsync(kind, body, principal, scopeId, store, http.RequestServices, checkOnly);

        // A taken key is the caller's mistake, not a conflict to retry: 400, as clients retry 409s.
        return existing && ifExists == "error"
            ? throw ApiException.BadRequest(
                $"{kind.KeyField}: a {kind.Name} with {kind.KeyField} '{doc[kind.KeyField]}' already exists (if_exists is 'error')")
            : (doc, existing);
    }

    /// <summary>
    /// Register semantics (POST <c>/v1/{kind}</c>): creates the object from the create fields of <paramref name="body"/>
    /// (a 400 names a bad one) in the scope, or returns the live object that already holds its natural key. Creating
    /// needs <c>create</c>; without it, an existing object the caller may read is still returned.
    /// </summary>
    public static async Task<(JsonObject Object, bool Existing)> RegisterAsync(
        ObjectKind kind, JsonObject body, Principal principal, string scopeId, ObjectStore store, IServiceProvider services,
        bool checkOnly = false)
    {
        var doc = NewDocument(kind, body, principal, scopeId, services);
        var key = doc[kind.KeyField]!.GetValue<string>();
        if (BuiltInObjects.FindByKey(kind, key) is { } builtIn)
        {
            return (ObjectDocuments.Render(kind, builtIn), true);
        }

        var access = services.GetRequiredService<Access>();
        if (!await ObjectAccess.CanCreateAsync(access, principal, kind, scopeId, doc))
        {
            // Only a key the body names finds an existing object: a generated one (an unnamed experiment) asks for a new one.
            if (body[kind.KeyField] is not null
                && await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key) is { } found
                && await ObjectAccess.CanReadAsync(access, principal, kind, found))
            {
                return (ObjectDocuments.Render(kind, found), true);
            }

            await ObjectAccess.RequireCreateAsync(access, principal, kind, scopeId, doc);
        }

        await ObjectReferences.CheckAsync(kind, body, doc["id"]!.GetValue<string>(), principal, services);
        var ensureNew = kind.SupportsEnsureNew &&
            FieldValidation.Check(new Field("ensure_new", FieldType.Boolean, FieldUse.Create), body["ensure_new"])?.GetValue<bool>() == true;
        if (checkOnly)
        {
            kind.Derive?.Invoke(doc);
            return await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key) is { } taken && !ensureNew
                ? (ObjectDocuments.Render(kind, taken), true)
                : (ObjectDocuments.Render(kind, doc), false);
        }

        for (var attempt = 1; ; attempt++)
        {
            kind.Derive?.Invoke(doc);
            if (await store.TryInsertAsync(ObjectDocuments.ToRow(kind, principal.OrgId, scopeId, doc), kind.Versioned, Audit(principal, "create", kind, doc)) is { } inserted)
            {
                await TrackRollupsAsync(kind, inserted, services);
                return (ObjectDocuments.Render(kind, inserted), false);
            }

            if (ensureNew)
            {
                doc[kind.KeyField] = $"{key}-{attempt}";
                continue;
            }

            // Register semantics: the existing object comes back unchanged. It may have been deleted since the
            // insert lost the race, in which case the next attempt inserts.
            if (await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key) is { } existing)
            {
                return (ObjectDocuments.Render(kind, existing), true);
            }
        }
    }

    /// <summary>PUT <c>/v1/{kind}</c>: creates the object, or replaces the given fields of the one holding the natural key.</summary>
    private static async Task<IResult> ReplaceAsync(ObjectKind kind, JsonObject body, HttpContext http, ObjectStore store)
    {
        var (doc, existing) = await ReplaceDocumentAsync(kind, body, http, store);
        if (existing)
        {
            http.Response.Headers[FoundExistingHeader] = "true";
        }

        return JsonResults.Ok(doc);
    }

    private static async Task<(JsonObject Object, bool Existing)> ReplaceDocumentAsync(
        ObjectKind kind, JsonObject body, HttpContext http, ObjectStore store, bool checkOnly = false)
    {
        var principal = await http.InOrganizationAsync(OptionalString(body, "org_name"));
        var scopeId = await ObjectScopes.ForCreateAsync(kind, body, principal, store);
        var doc = NewDocument(kind, body, principal, scopeId, http.RequestServices);
        var key = doc[kind.KeyField]!.GetValue<string>();
        if (BuiltInObjects.FindByKey(kind, key) is { } builtIn)
        {
            throw ReadOnly(kind, builtIn);
        }

        var access = http.RequestServices.GetRequiredService<Access>();
        while (true)
        {
            if (await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key) is { } row)
            {
                await ObjectAccess.RequireAsync(access, principal, kind, row, Access.Update);
                var current = ObjectDocuments.Load(row);
                ObjectDocuments.Replace(kind, current, body);
                var (outcome, stored) = await WriteAsync(kind, row, current, body, principal, store, http.RequestServices, checkOnly);
                if (outcome == WriteOutcome.Written)
                {
                    return (stored, true);
                }

                // Deleted or renamed since it was read: start over.
                continue;
            }

            await ObjectAccess.RequireCreateAsync(access, principal, kind, scopeId, doc);
            await ObjectReferences.CheckAsync(kind, body, doc["id"]!.GetValue<string>(), principal, http.RequestServices);
            kind.Derive?.Invoke(doc);
            if (checkOnly)
            {
                return (ObjectDocuments.Render(kind, doc), false);
            }

            if (await store.TryInsertAsync(ObjectDocuments.ToRow(kind, principal.OrgId, scopeId, doc), kind.Versioned, Audit(principal, "create", kind, doc)) is { } inserted)
            {
                await TrackRollupsAsync(kind, inserted, http.RequestServices);
                return (ObjectDocuments.Render(kind, inserted), false);
            }
        }
    }

    /// <summary>
    /// A new project's logs and a new experiment are rolled up in the background from their first span, so their first
    /// chart or list never waits for a whole count (18.9 s for 1M spans when a log has none yet).
    /// </summary>
    private static async Task TrackRollupsAsync(ObjectKind kind, ObjectRow inserted, IServiceProvider services)
    {
        foreach (var type in Enum.GetValues<EventObjectType>().Where(t => LogRollupStore.RollsUp(t) && EventLogs.KindOf(t) == kind))
        {
            await services.GetRequiredService<LogRollupStore>().TrackAsync(new EventObject(type, inserted.Id));
        }
    }

    // A new document from a create body, validated and passed through the kind's write hook.
    internal static JsonObject NewDocument(ObjectKind kind, JsonObject body, Principal principal, string scopeId, IServiceProvider services)
    {
        var doc = ObjectDocuments.Create(kind, body);
        if (ObjectScopes.ScopeField(kind) is { } scopeField)
        {
            doc[scopeField] = scopeId;
        }

        if (kind.CreatorField is { } creator)
        {
            doc[creator] ??= principal.UserId;
        }

        // Before the key check: a kind may derive its natural key (an ACL's key is its contents).
        kind.Derive?.Invoke(doc);
        if (doc[kind.KeyField] is null)
        {
            doc[kind.KeyField] = kind.GenerateKey?.Invoke() ?? throw ApiException.BadRequest($"{kind.KeyField}: is required");
        }

        kind.Validate?.Invoke(doc);
        kind.OnWrite?.Invoke(new ObjectWrite(body, doc, principal, services) { Creating = true });
        return doc;
    }

    // Stores a changed document of an existing object (PATCH, replacing PUT) after the kind's rules and hooks.
    private static async Task<(WriteOutcome Outcome, JsonObject Stored)> WriteAsync(
        ObjectKind kind, ObjectRow row, JsonObject doc, JsonObject body, Principal principal, ObjectStore store, IServiceProvider services,
        bool checkOnly = false)
    {
        kind.Validate?.Invoke(doc);
        kind.OnWrite?.Invoke(new ObjectWrite(body, doc, principal, services));
        kind.Derive?.Invoke(doc);
        var key = doc[kind.KeyField]?.GetValue<string>();
        if (key is not null && BuiltInObjects.FindByKey(kind, key) is not null)
        {
            ApiException.ThrowBadRequest($"{kind.KeyField}: '{key}' is the {kind.KeyField} of a built-in {kind.Name}");
        }

        await ObjectReferences.CheckAsync(kind, body, row.Id, principal, services);
        if (checkOnly)
        {
            return (WriteOutcome.Written, ObjectDocuments.Render(kind, doc));
        }

        var changed = new JsonObject { ["fields"] = new JsonArray([.. body.Select(p => (JsonNode)p.Key)]) };
        var (outcome, data) = await store.UpdateAsync(
            principal.OrgId, kind.Name, row.Id, key, doc["name"]?.GetValue<string>(), doc.ToJsonString(), kind.Versioned,
            Audit(principal, "update", kind, doc, changed));
        return outcome == WriteOutcome.NaturalKeyTaken
            ? throw ApiException.BadRequest($"{kind.KeyField}: another {kind.Name} in this scope already has '{key}'")
            : (outcome, ObjectDocuments.Render(kind, ObjectDocuments.Load(data, null)));
    }

    internal static async Task<IResult> ListAsync(ObjectKind kind, HttpContext http, ObjectStore store) =>
        JsonResults.Ok(new JsonObject { ["objects"] = new JsonArray([.. await ListDocumentsAsync(kind, http, store)]) });

    /// <summary>One page of a GET list, with the list filters and cursors of the query string applied.</summary>
    internal static async Task<List<JsonObject>> ListDocumentsAsync(ObjectKind kind, HttpContext http, ObjectStore store)
    {
        var request = http.Request;
        var principal = await http.InOrganizationAsync(QueryArgs.Single(request, "org_name"));
        var (requestedLimit, startingAfter, endingBefore) = QueryArgs.Paging(request);
        var limit = requestedLimit ?? kind.DefaultLimit;

        var query = ObjectScopes.ForList(kind, request, new ObjectQuery(principal.OrgId, kind.Name)
        {
            Ids = QueryArgs.UuidList(request, "ids")?.ToArray(),
            Name = QueryArgs.Single(request, kind.NameFilter),
            AfterSeq = await CursorAsync(kind, principal, store, "starting_after", startingAfter),
            BeforeSeq = await CursorAsync(kind, principal, store, "ending_before", endingBefore),
        });
        var filters = ListFilters(kind, request);
        var metadata = kind.SupportsMetadataFilter ? MetadataFilter.Parse(QueryArgs.Single(request, "metadata")) : null;

        // A version is a point in time: every listed object is shown as it was then, and objects created later
        // drop out. An environment pins a version per object, so (spec PromptEnvironment) the filters must match
        // one object; a second match is a 400 unless limit=1 asks for the newest.
        var asOf = kind.Versioned ? ObjectVersions.Version(request) : null;
        var byEnvironment = kind.Versioned && QueryArgs.Single(request, "environment") is not null;
        var pageSize = byEnvironment ? Math.Min(limit ?? 2, 2) : limit;
        var objects = new List<JsonObject>();
        if (limit != 0)
        {
            // Lists show only what the caller may read; a caller who may read the whole organization needs no check per row.
            var access = http.RequestServices.GetRequiredService<Access>();
            var readsAll = await ObjectAccess.CanReadAllAsync(access, principal, kind);

            // With an in-memory filter the SQL cannot apply the limit; rows stream until the page is full.
            var inMemory = metadata is not null || filters.Count > 0 || asOf is not null || byEnvironment || !readsAll;
            await foreach (var row in BuiltInObjects.Around(kind, query, store.ListAsync(query, inMemory ? null : pageSize)))
            {
                if (!readsAll && !BuiltInObjects.IsBuiltIn(row) && !await ObjectAccess.CanReadAsync(access, principal, kind, row))
                {
                    continue;
                }

                var doc = ObjectDocuments.Render(kind, row);
                if ((metadata is null || metadata.Matches(doc["metadata"])) && filters.All(f => f(doc)))
                {
                    if (asOf is not null)
                    {
                        if (await store.GetVersionAsync(principal.OrgId, row.Id, asOf.Value) is not { } version)
                        {
                            continue;
                        }

                        doc = ObjectDocuments.Render(kind, ObjectDocuments.Load(version, null));
                    }

                    objects.Add(doc);
                    if (objects.Count == pageSize)
                    {
                        break;
                    }
                }
            }
        }

        if (byEnvironment && objects.Count > 0)
        {
            if (objects.Count > 1)
            {
                ApiException.ThrowBadRequest(
                    $"environment: the filters match more than one {kind.Name}; narrow them to one (e.g. project_id and slug) or pass limit=1");
            }

            var id = objects[0]["id"]!.GetValue<string>();
            objects[0] = await VersionAsync(kind, id, http, principal, store) ?? throw NotFound(kind, id);
        }

        if (query.BeforeSeq is not null)
        {
            objects.Reverse();
        }

        return objects;
    }

    // The list filters on document fields: each keeps objects whose field equals one of the given values.
    private static List<Func<JsonObject, bool>> ListFilters(ObjectKind kind, HttpRequest request)
    {
        var filters = new List<Func<JsonObject, bool>>();
        foreach (var filter in kind.ListFilters)
        {
            var field = kind.Fields.FirstOrDefault(f => f.Name == filter.Field);

            // Ids are stored normalized (lowercase); a filter on one is normalized the same way, or a 400 when it is no UUID.
            if ((field?.Type == FieldType.Uuid ? QueryArgs.UuidList(request, filter.Parameter) : QueryArgs.List(request, filter.Parameter)) is { } values)
            {
                // A value an enum field can never hold is a typo, not an empty result.
                if (field is { Type: FieldType.Enum, Values: { } allowed } && values.FirstOrDefault(v => !allowed.Contains(v)) is { } unknown)
                {
                    ApiException.ThrowBadRequest($"{filter.Parameter}: '{unknown}' is not one of {string.Join(", ", allowed)}");
                }

                filters.Add(doc => doc[filter.Field] is JsonValue v && v.TryGetValue<string>(out var s) && values.Contains(s));
            }
        }

        if (kind.Scope == ObjectScope.Object && ObjectScopes.ObjectArgs(kind, request).Type is { } type)
        {
            filters.Add(doc => (string?)doc["object_type"] == type);
        }

        return filters;
    }

    internal static async Task<IResult> GetAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var row = await FindAsync(kind, id, http, store, Access.Read);
        if (kind.Versioned && ObjectVersions.IsRequested(http.Request))
        {
            return JsonResults.Ok(await VersionAsync(kind, row.Id, http, principal, store) ?? throw NotFound(kind, id));
        }

        return JsonResults.Ok(ObjectDocuments.Render(kind, row));
    }

    // The requested version of a live versioned object, or null when it has none that early.
    private static async Task<JsonObject?> VersionAsync(ObjectKind kind, string id, HttpContext http, Principal principal, ObjectStore store)
    {
        var asOf = await ObjectVersions.RequestedAsync(kind, http.Request, principal, store, id);
        var data = asOf is null ? null : await store.GetVersionAsync(principal.OrgId, id, asOf.Value);
        return data is null ? null : ObjectDocuments.Render(kind, ObjectDocuments.Load(data, null));
    }

    private static async Task<IResult> PatchAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store) =>
        await PatchAsync(kind, id, await JsonBody.ReadObjectAsync(http), http, store);

    internal static async Task<IResult> PatchAsync(ObjectKind kind, string id, JsonObject body, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var row = await FindAsync(kind, id, http, store, Access.Update, body);
        var doc = ObjectDocuments.Load(row);
        ObjectDocuments.Patch(kind, doc, body);
        var (outcome, stored) = await WriteAsync(kind, row, doc, body, principal, store, http.RequestServices);
        return outcome == WriteOutcome.Written ? JsonResults.Ok(stored) : throw NotFound(kind, id);
    }

    internal static async Task<IResult> DeleteAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var body = kind.ScopeRequiredOnReads && http.Request.ContentLength is > 0 ? await JsonBody.ReadObjectAsync(http) : null;
        var row = await FindAsync(kind, id, http, store, Access.Delete, body);
        return await SoftDeleteAsync(kind, principal, row, store);
    }

    /// <summary><c>DELETE /v1/{kind}</c> with a body naming the object by its natural key in its scope (<see cref="ObjectKind.DeleteByKey"/>).</summary>
    private static async Task<IResult> DeleteByKeyAsync(ObjectKind kind, HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await http.InOrganizationAsync(OptionalString(body, "org_name"));
        var scopeId = await ObjectScopes.ForCreateAsync(kind, body, principal, store);
        var keyField = new Field(kind.KeyField, FieldType.String, FieldUse.Required, NonEmpty: true);
        var key = FieldValidation.Check(keyField, body[kind.KeyField] ?? throw ApiException.BadRequest($"{kind.KeyField}: is required"))!
            .GetValue<string>();
        var row = await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key)
            ?? throw ApiException.NotFound($"{kind.Name} with {kind.KeyField} '{key}' not found");
        await ObjectAccess.RequireAsync(http.RequestServices.GetRequiredService<Access>(), principal, kind, row, Access.Delete);
        return await SoftDeleteAsync(kind, principal, row, store);
    }

    private static async Task<IResult> SoftDeleteAsync(ObjectKind kind, Principal principal, ObjectRow row, ObjectStore store)
    {
        var deleted = await store.DeleteAsync(principal.OrgId, kind.Name, row.Id, DateTimeOffset.UtcNow, Audit(principal, "delete", kind, ObjectDocuments.Load(row)))
            ?? throw NotFound(kind, row.Id);
        return JsonResults.Ok(ObjectDocuments.Render(kind, deleted));
    }

    /// <summary>
    /// The live object a path names in the caller's organization (another organization's is a 404, as if it did not
    /// exist), once the caller is found to hold <paramref name="permission"/> on it (else a 403); or a built-in one,
    /// which everyone may read and nobody change. Kinds read through their parent object (views) must also name it,
    /// in the query or the body, and a different parent is a 404.
    /// </summary>
    private static async Task<ObjectRow> FindAsync(
        ObjectKind kind, string id, HttpContext http, ObjectStore store, string permission, JsonObject? body = null)
    {
        var principal = http.GetPrincipal();
        var normalized = Ids.FromPath(id, kind.IdParameter);
        if (BuiltInObjects.Find(kind, normalized) is { } builtIn)
        {
            return permission != Access.Read ? throw ReadOnly(kind, builtIn) : builtIn;
        }

        var row = await store.GetAsync(principal.OrgId, kind.Name, normalized) ?? throw NotFound(kind, id);
        if (kind.ScopeRequiredOnReads)
        {
            var type = body?["object_type"] is { } t ? (string?)t : QueryArgs.Single(http.Request, "object_type");
            var objectId = body?["object_id"] is { } o ? (string?)o : QueryArgs.Single(http.Request, "object_id");
            if (type is null || objectId is null)
            {
                ApiException.ThrowBadRequest("object_type, object_id: both are required");
            }

            var doc = ObjectDocuments.Load(row);
            if ((string?)doc["object_type"] != type || !Ids.TryNormalize(objectId, out var parent) || (string?)doc["object_id"] != parent)
            {
                throw NotFound(kind, id);
            }
        }

        await ObjectAccess.RequireAsync(http.RequestServices.GetRequiredService<Access>(), principal, kind, row, permission);
        return row;
    }

    private static async Task<long?> CursorAsync(ObjectKind kind, Principal principal, ObjectStore store, string parameter, string? id) =>
        id is null
            ? null
            : BuiltInObjects.Find(kind, id)?.Seq
              ?? await store.FindSeqAsync(principal.OrgId, kind.Name, id)
              ?? throw ApiException.BadRequest($"{parameter}: no {kind.Name} with id '{id}'");

    /// <summary>The audit event of a change to an object (<see cref="AuditTrail"/>).</summary>
    internal static ObjectRow Audit(Principal principal, string action, ObjectKind kind, JsonObject doc, JsonObject? details = null) =>
        AuditTrail.Event(principal, action, kind.Name, (string?)doc["id"], JsonBody.Text(doc["name"]),
            AuditTrail.Grant(kind.Name, doc) ?? details);

    private static string PathId(ObjectKind kind, HttpContext http) => (string)http.GetRouteValue(kind.IdParameter)!;

    private static string OptionalString(JsonObject body, string name) =>
        body[name] switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => throw ApiException.BadRequest($"{name}: must be a string, not {JsonBody.Describe(other)}"),
        };

    private static ApiException NotFound(ObjectKind kind, string id) => ApiException.NotFound($"{kind.Name} '{id}' not found");

    private static ApiException ReadOnly(ObjectKind kind, ObjectRow builtIn) =>
        ApiException.Forbidden($"{kind.Name} '{builtIn.Name}' is built in and cannot be changed or deleted");
}
