using System.Text.Json.Nodes;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Storage;
using Braid.Storage.Merge;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Objects;

/// <summary>
/// The generic control-plane API: every kind in <see cref="ObjectKinds"/> gets register-by-key POST,
/// cursor-paged GET, GET by id, deep-merging PATCH and soft DELETE with the spec's semantics (inventory §1.4).
/// </summary>
public static class ObjectsApi
{
    public const string FoundExistingHeader = "x-bt-found-existing";

    public static IEndpointRouteBuilder MapObjectsApi(this IEndpointRouteBuilder routes)
    {
        foreach (var kind in ObjectKinds.All)
        {
            var group = routes.MapGroup($"/v1/{kind.Name}").WithTags(kind.Name);
            group.MapPost("", (HttpContext http, ObjectStore store) => CreateAsync(kind, http, store));
            group.MapGet("", (HttpContext http, ObjectStore store) => ListAsync(kind, http, store));
            var byId = $"{{{kind.IdParameter}}}";
            group.MapGet(byId, (HttpContext http, ObjectStore store) => GetAsync(kind, PathId(kind, http), http, store));
            group.MapPatch(byId, (HttpContext http, ObjectStore store) => PatchAsync(kind, PathId(kind, http), http, store));
            group.MapDelete(byId, (HttpContext http, ObjectStore store) => DeleteAsync(kind, PathId(kind, http), http, store));
        }

        return routes;
    }

    private static async Task<IResult> CreateAsync(ObjectKind kind, HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await http.InOrganizationAsync(OptionalString(body, "org_name"));
        var scopeId = await ResolveCreateScopeAsync(kind, body, principal, store);
        var (doc, existing) = await RegisterAsync(kind, body, principal, scopeId, store);
        if (existing)
        {
            http.Response.Headers[FoundExistingHeader] = "true";
        }

        return JsonResults.Ok(doc);
    }

    /// <summary>
    /// Register semantics (POST <c>/v1/{kind}</c>): creates the object from the create fields of <paramref name="body"/>
    /// (a 400 names a bad one) in the scope, or returns the live object that already holds its natural key.
    /// </summary>
    public static async Task<(JsonObject Object, bool Existing)> RegisterAsync(
        ObjectKind kind, JsonObject body, Principal principal, string scopeId, ObjectStore store)
    {
        var doc = new JsonObject { ["id"] = Ids.New() };
        doc[kind.Scope == ObjectScope.Project ? "project_id" : "org_id"] = scopeId;
        foreach (var field in kind.Fields)
        {
            if (field.Has(FieldUse.Transient))
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
        doc["user_id"] ??= principal.UserId;
        doc["deleted_at"] = null;
        var key = doc[kind.KeyField]?.GetValue<string>();
        if (key is null)
        {
            key = kind.GenerateKey?.Invoke() ?? throw ApiException.BadRequest($"{kind.KeyField}: is required");
            doc[kind.KeyField] = key;
        }

        var ensureNew = kind.SupportsEnsureNew &&
            FieldValidation.Check(new Field("ensure_new", FieldType.Boolean, FieldUse.Create), body["ensure_new"])?.GetValue<bool>() == true;
        for (var attempt = 1; ; attempt++)
        {
            kind.Derive?.Invoke(doc);
            if (await store.TryInsertAsync(ToRow(kind, principal.OrgId, scopeId, doc)))
            {
                return (doc, false);
            }

            if (ensureNew)
            {
                doc[kind.KeyField] = $"{key}-{attempt}";
                continue;
            }

            // Register semantics: the existing object comes back unchanged. It may have been deleted since the
            // insert lost the race, in which case the next attempt inserts.
            var existing = await store.GetByNaturalKeyAsync(principal.OrgId, kind.Name, scopeId, key);
            if (existing is not null)
            {
                return (Render(existing), true);
            }
        }
    }

    private static async Task<IResult> ListAsync(ObjectKind kind, HttpContext http, ObjectStore store)
    {
        var request = http.Request;
        var principal = await http.InOrganizationAsync(QueryArgs.Single(request, "org_name"));
        var limit = QueryArgs.NonNegativeInt(request, "limit") ?? kind.DefaultLimit;
        var startingAfter = QueryArgs.Uuid(request, "starting_after");
        var endingBefore = QueryArgs.Uuid(request, "ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            ApiException.ThrowBadRequest("starting_after, ending_before: pass only one of them");
        }

        var query = new ObjectQuery(principal.OrgId, kind.Name)
        {
            Ids = QueryArgs.UuidList(request, "ids")?.ToArray(),
            Name = QueryArgs.Single(request, kind.NameFilter),
            AfterSeq = await CursorAsync(kind, principal, store, "starting_after", startingAfter),
            BeforeSeq = await CursorAsync(kind, principal, store, "ending_before", endingBefore),
        };
        if (kind.Scope == ObjectScope.Project)
        {
            query = query with
            {
                ScopeId = QueryArgs.Uuid(request, "project_id"),
                ScopeName = QueryArgs.Single(request, "project_name"),
                ScopeKind = ObjectKinds.Project.Name,
            };
        }

        var metadata = kind.SupportsMetadataFilter ? MetadataFilter.Parse(QueryArgs.Single(request, "metadata")) : null;
        var objects = new List<JsonObject>();
        if (limit != 0)
        {
            // With an in-memory filter the SQL cannot apply the limit; rows stream until the page is full.
            await foreach (var row in store.ListAsync(query, metadata is null ? limit : null))
            {
                var doc = Render(row);
                if (metadata is null || metadata.Matches(doc["metadata"]))
                {
                    objects.Add(doc);
                    if (objects.Count == limit)
                    {
                        break;
                    }
                }
            }
        }

        if (query.BeforeSeq is not null)
        {
            objects.Reverse();
        }

        return JsonResults.Ok(new JsonObject { ["objects"] = new JsonArray([.. objects]) });
    }

    private static async Task<IResult> GetAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var row = await store.GetAsync(principal.OrgId, kind.Name, Ids.FromPath(id, kind.IdParameter))
            ?? throw NotFound(kind, id);
        return JsonResults.Ok(Render(row));
    }

    private static async Task<IResult> PatchAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var objectId = Ids.FromPath(id, kind.IdParameter);
        var body = await JsonBody.ReadObjectAsync(http);
        var row = await store.GetAsync(principal.OrgId, kind.Name, objectId) ?? throw NotFound(kind, id);
        var doc = Render(row);
        foreach (var field in kind.Fields)
        {
            if (!field.Has(FieldUse.Patch) || !body.TryGetPropertyValue(field.Name, out var given))
            {
                continue;
            }

            var value = FieldValidation.Check(field, given);
            if (value is JsonObject patch && doc[field.Name] is JsonObject current)
            {
                JsonMerge.Into(current, patch);
            }
            else
            {
                doc[field.Name] = value;
            }
        }

        kind.Derive?.Invoke(doc);
        var updated = row with { NaturalKey = doc[kind.KeyField]?.GetValue<string>(), Name = doc["name"]?.GetValue<string>() };
        return await store.UpdateAsync(principal.OrgId, kind.Name, objectId, updated.NaturalKey, updated.Name, doc.ToJsonString()) switch
        {
            WriteOutcome.Written => JsonResults.Ok(doc),
            WriteOutcome.NaturalKeyTaken => throw ApiException.BadRequest(
                $"{kind.KeyField}: another {kind.Name} in this {ScopeNoun(kind)} is already named '{updated.NaturalKey}'"),
            _ => throw NotFound(kind, id),
        };
    }

    private static async Task<IResult> DeleteAsync(ObjectKind kind, string id, HttpContext http, ObjectStore store)
    {
        var principal = http.GetPrincipal();
        var row = await store.DeleteAsync(principal.OrgId, kind.Name, Ids.FromPath(id, kind.IdParameter), DateTimeOffset.UtcNow)
            ?? throw NotFound(kind, id);
        return JsonResults.Ok(Render(row));
    }

    /// <summary>The scope a new object goes in: the organization, or the project named by <c>project_id</c> in it.</summary>
    private static async Task<string> ResolveCreateScopeAsync(ObjectKind kind, JsonObject body, Principal principal, ObjectStore store)
    {
        if (kind.Scope == ObjectScope.Organization)
        {
            return principal.OrgId;
        }

        body.TryGetPropertyValue("project_id", out var given);
        var projectId = FieldValidation.Check(new Field("project_id", FieldType.Uuid, FieldUse.Required, NonEmpty: true), given)
            ?.GetValue<string>() ?? throw ApiException.BadRequest("project_id: is required");
        _ = await store.GetAsync(principal.OrgId, ObjectKinds.Project.Name, projectId)
            ?? throw ApiException.BadRequest($"project_id: no project with id '{projectId}' in this organization");
        return projectId;
    }

    private static async Task<long?> CursorAsync(ObjectKind kind, Principal principal, ObjectStore store, string parameter, string? id) =>
        id is null
            ? null
            : await store.FindSeqAsync(principal.OrgId, kind.Name, id)
              ?? throw ApiException.BadRequest($"{parameter}: no {kind.Name} with id '{id}'");

    private static string PathId(ObjectKind kind, HttpContext http) => (string)http.GetRouteValue(kind.IdParameter)!;

    private static ObjectRow ToRow(ObjectKind kind, string orgId, string scopeId, JsonObject doc) => new(
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

    // deleted_at lives in its column (a project delete cascades to its children without rewriting them).
    private static JsonObject Render(ObjectRow row)
    {
        var doc = JsonNode.Parse(row.Data)!.AsObject();
        doc["deleted_at"] = row.DeletedAt;
        return doc;
    }

    private static string OptionalString(JsonObject body, string name) =>
        body[name] switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            var other => throw ApiException.BadRequest($"{name}: must be a string, not {JsonBody.Describe(other)}"),
        };

    private static string ScopeNoun(ObjectKind kind) => kind.Scope == ObjectScope.Project ? "project" : "organization";

    private static ApiException NotFound(ObjectKind kind, string id) => ApiException.NotFound($"{kind.Name} '{id}' not found");
}
