using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Http;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;
using Braid.Storage.Xact;

namespace Braid.Server.Objects;

/// <summary>
/// Environment pins (not in the spec; the SDKs call them): which version of a prompt, function or dataset an
/// environment such as <c>production</c> serves. <c>GET /environment-object/{type}/{id}</c> lists an object's pins,
/// and <c>/environment-object/{type}/{id}/{environment_slug}</c> reads (GET), sets (PUT <c>{object_version}</c>) or
/// removes (DELETE) one. Pins hang on the environment's id, so a deleted environment's pins stop resolving and a
/// new environment that takes its slug starts with none. Setting or removing a pin writes an audit event
/// (<see cref="AssignAction"/>, <see cref="RemoveAction"/>) in the same transaction; environment alerts read them.
/// </summary>
public static class EnvironmentObjectsApi
{
    public const string AssignAction = "environment_assign";

    public const string RemoveAction = "environment_remove";

    private static readonly IReadOnlyList<string> ObjectTypes = ["prompt", "function", "dataset"];

    public static IEndpointRouteBuilder MapEnvironmentObjectsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/environment-object/{object_type}/{object_id}").WithTags("environment_object");
        group.MapGet("", ListAsync);
        group.MapGet("{environment_slug}", GetAsync);
        group.MapPut("{environment_slug}", SetAsync);
        group.MapDelete("{environment_slug}", DeleteAsync);
        return routes;
    }

    private static async Task<IResult> ListAsync(HttpContext http, ObjectStore store)
    {
        var principal = await http.InOrganizationAsync(QueryArgs.Single(http.Request, "org_name"));
        var (type, id, _) = await TargetAsync(http, principal, store, Access.Read);
        var pins = await store.ListAssignmentsAsync(principal.OrgId, type, id);
        var environments = new Dictionary<string, ObjectRow>(StringComparer.Ordinal);
        if (pins.Count > 0)
        {
            // Only live environments: a deleted one's pins are not shown.
            var query = new ObjectQuery(principal.OrgId, ObjectKinds.Environment.Name) { Ids = [.. pins.Select(p => p.EnvironmentId)] };
            await foreach (var environment in store.ListAsync(query, null))
            {
                environments[environment.Id] = environment;
            }
        }

        var objects = new JsonArray();
        foreach (var pin in pins)
        {
            if (environments.TryGetValue(pin.EnvironmentId, out var environment))
            {
                objects.Add(Render(type, id, environment, pin.Version, pin.Created));
            }
        }

        return JsonResults.Ok(new JsonObject { ["objects"] = objects });
    }

    private static async Task<IResult> GetAsync(HttpContext http, ObjectStore store)
    {
        var principal = await http.InOrganizationAsync(QueryArgs.Single(http.Request, "org_name"));
        var (type, id, _) = await TargetAsync(http, principal, store, Access.Read);
        var environment = await EnvironmentAsync(http, principal, store);
        return JsonResults.Ok(await PinAsync(type, id, environment, principal, store));
    }

    private static async Task<IResult> SetAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var orgName = FieldValidation.Check(new Field("org_name", FieldType.String, FieldUse.Create), body["org_name"])?.GetValue<string>();
        var principal = await http.InOrganizationAsync(orgName ?? QueryArgs.Single(http.Request, "org_name"));
        var (type, id, target) = await TargetAsync(http, principal, store, Access.Update);
        var environment = await EnvironmentAsync(http, principal, store);
        var given = FieldValidation.Check(new Field("object_version", FieldType.String, FieldUse.Required, NonEmpty: true), body["object_version"])
            ?.GetValue<string>() ?? throw ApiException.BadRequest("object_version: is required");
        var version = ObjectVersions.Parse(given, "object_version");

        // A prompt or function pin must name one of its own versions. A dataset's version is any point in its
        // event history, so any transaction id will do.
        if (type != ObjectKinds.Dataset.Name && !await IsVersionAsync(principal.OrgId, id, version, store))
        {
            ApiException.ThrowBadRequest($"object_version: {type} '{id}' has no version '{given}'");
        }

        await store.SetAssignmentAsync(principal.OrgId, type, id, environment.Id, version, Audit(principal, AssignAction, target, environment, version));
        return JsonResults.Ok(await PinAsync(type, id, environment, principal, store));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ObjectStore store)
    {
        var principal = await http.InOrganizationAsync(QueryArgs.Single(http.Request, "org_name"));
        var (type, id, target) = await TargetAsync(http, principal, store, Access.Update);
        var environment = await EnvironmentAsync(http, principal, store);
        var pin = await PinAsync(type, id, environment, principal, store);
        XactId.TryParse(JsonBody.Text(pin["object_version"]), out var version);
        return await store.DeleteAssignmentAsync(principal.OrgId, type, id, environment.Id, Audit(principal, RemoveAction, target, environment, version))
            ? JsonResults.Ok(pin)
            : throw NoPin(type, id, environment);
    }

    // The live object the path names, in the caller's organization, once the caller is found to hold the permission
    // on it: reading pins needs read, pinning or unpinning a version is an update of the object.
    private static async Task<(string Type, string Id, ObjectRow Row)> TargetAsync(HttpContext http, Principal principal, ObjectStore store, string permission)
    {
        var type = (string)http.GetRouteValue("object_type")!;
        if (!ObjectTypes.Contains(type))
        {
            ApiException.ThrowBadRequest($"object_type: '{type}' is not one of {string.Join(", ", ObjectTypes)}");
        }

        var id = Ids.FromPath((string)http.GetRouteValue("object_id")!, "object_id");
        var row = await store.GetAsync(principal.OrgId, type, id) ?? throw ApiException.NotFound($"{type} '{id}' not found");
        var kind = ObjectKinds.All.First(k => k.Name == type);
        await ObjectAccess.RequireAsync(http.RequestServices.GetRequiredService<Access>(), principal, kind, row, permission);
        return (type, id, row);
    }

    // A pin change in the audit log, with what environment alerts need: the object's project, the version, the environment.
    private static ObjectRow Audit(Principal principal, string action, ObjectRow target, ObjectRow environment, long version) =>
        AuditTrail.Event(principal, action, target.Kind, target.Id, target.Name, new JsonObject
        {
            ["project_id"] = target.ScopeId,
            ["object_version"] = XactId.Format(version),
            ["environment_id"] = environment.Id,
            ["environment_slug"] = environment.NaturalKey,
        });

    private static async Task<ObjectRow> EnvironmentAsync(HttpContext http, Principal principal, ObjectStore store)
    {
        var slug = (string)http.GetRouteValue("environment_slug")!;
        return await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Environment.Name, principal.OrgId, slug)
            ?? throw ApiException.NotFound($"environment '{slug}' not found");
    }

    private static async Task<JsonObject> PinAsync(string type, string id, ObjectRow environment, Principal principal, ObjectStore store)
    {
        var pins = await store.ListAssignmentsAsync(principal.OrgId, type, id);
        return pins.FirstOrDefault(p => p.EnvironmentId == environment.Id) is { EnvironmentId: not null } pin
            ? Render(type, id, environment, pin.Version, pin.Created)
            : throw NoPin(type, id, environment);
    }

    // GetVersionAsync answers as of a point in time; a pin must name the exact version.
    private static async Task<bool> IsVersionAsync(string orgId, string id, long version, ObjectStore store) =>
        await store.GetVersionAsync(orgId, id, version) is { } data &&
        XactId.TryParse((string?)JsonNode.Parse(data)?["_xact_id"], out var stored) && stored == version;

    private static JsonObject Render(string type, string id, ObjectRow environment, long version, string created) => new()
    {
        ["id"] = PinId(type, id, environment.Id),
        ["object_type"] = type,
        ["object_id"] = id,
        ["object_version"] = XactId.Format(version),
        ["environment_id"] = environment.Id,
        ["environment_slug"] = environment.NaturalKey,
        ["created"] = created,
    };

    // environment_objects has no id column: a pin's id is derived from what identifies it, so it is stable
    // across reads and re-pins (an RFC 9562 version 8 UUID over a SHA-256 of the key).
    private static string PinId(string type, string id, string environmentId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{type}/{id}/{environmentId}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }

    private static ApiException NoPin(string type, string id, ObjectRow environment) =>
        ApiException.NotFound($"environment '{environment.NaturalKey}' pins no version of {type} '{id}'");
}
