using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Tenancy;
using Braid.Storage.Events;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Sdk;

/// <summary>
/// The control-plane calls the Braintrust SDKs make on the app base (sdk-protocol §1, §3): login, who am I, and
/// get-or-create of projects, experiments and datasets by name. They are thin shapes over the generic object kinds:
/// registering here is <see cref="ObjectsApi.RegisterAsync"/>, with the same rules and organization isolation.
/// </summary>
public static class SdkControlPlaneApi
{
    public static IEndpointRouteBuilder MapSdkControlPlaneApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("sdk");
        api.MapPost("apikey/login", LoginAsync);
        api.MapGet("self/me", MeAsync);
        api.MapPost("self/me", MeAsync);
        routes.MapGet("/ping", MeAsync).WithTags("sdk");
        api.MapPost("self/get_object_info", ObjectInfoAsync);
        api.MapPost("project/register", RegisterProjectAsync);
        api.MapGet("project", GetProjectAsync);
        api.MapPost("project/get", ListProjectsAsync);
        api.MapPost("experiment/register", RegisterExperimentAsync);
        api.MapPost("experiment/get", ListExperimentsAsync);
        api.MapPost("base_experiment/get_id", BaseExperimentAsync);
        api.MapPost("dataset/register", RegisterDatasetAsync);
        return routes;
    }

    /// <summary>
    /// The caller's organizations with this server's URLs as both api and proxy base. The key's own organization comes
    /// first: the SDK takes the first one unless <c>BRAINTRUST_ORG_NAME</c> picks another.
    /// </summary>
    private static async Task<IResult> LoginAsync(HttpContext http, TenantStore tenants)
    {
        var principal = http.GetPrincipal();
        var baseUrl = PublicUrls.Base(http);
        var organizations = await tenants.ListOrganizationsAsync(principal.UserId, new TenantQuery());
        var orgInfo = new JsonArray();
        foreach (var org in organizations.OrderBy(o => o.Id == principal.OrgId ? 0 : 1))
        {
            orgInfo.Add(new JsonObject
            {
                ["id"] = org.Id,
                ["name"] = org.Name,
                ["api_url"] = baseUrl,
                ["proxy_url"] = baseUrl,
                // Null: the SDK sends no git details with experiments unless the organization asks for them.
                ["git_metadata"] = null,
            });
        }

        return JsonResults.Ok(new JsonObject { ["org_info"] = orgInfo });
    }

    /// <summary>
    /// Who the key's user is: the spec's <c>User</c> (id, names, email, avatar_url, created) and the organizations the
    /// user belongs to, <c>{id, name}</c> each, as Braintrust's docs show <c>/api/self/me</c>. The Python SDK's
    /// <c>user_info()</c> reads <c>GET /ping</c> as JSON, so that answers the same; the TypeScript SDK's <c>ping()</c>
    /// only looks for a 200.
    /// </summary>
    private static async Task<IResult> MeAsync(HttpContext http, TenantStore tenants)
    {
        var principal = http.GetPrincipal();
        var user = await tenants.GetMemberAsync(principal.OrgId, principal.UserId)
            ?? throw ApiException.Unauthorized("the API key's user is no longer a member of its organization");
        var organizations = await tenants.ListOrganizationsAsync(principal.UserId, new TenantQuery());
        var me = UsersApi.Render(user);
        me["organizations"] = new JsonArray([.. organizations.Select(o => new JsonObject { ["id"] = o.Id, ["name"] = o.Name })]);
        return JsonResults.Ok(me);
    }

    /// <summary><c>{project_name, org_id}</c> → <c>{project}</c>: the project of that name, created when missing.</summary>
    private static async Task<IResult> RegisterProjectAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var name = SdkArgs.RequiredString(body, "project_name");
        var project = await EnsureProjectAsync(http, principal, store, name);
        return JsonResults.Ok(new JsonObject { ["project"] = project });
    }

    private static async Task<IResult> GetProjectAsync(HttpContext http, ObjectStore store)
    {
        var id = QueryArgs.Uuid(http.Request, "id") ?? throw ApiException.BadRequest("id: is required");
        var row = await store.GetAsync(http.GetPrincipal().OrgId, ObjectKinds.Project.Name, id)
            ?? throw ApiException.NotFound($"project '{id}' not found");
        await ObjectAccess.RequireAsync(EventsApi.AccessOf(http), http.GetPrincipal(), ObjectKinds.Project, row, Access.Read);
        return JsonResults.Ok(ObjectDocuments.Render(ObjectKinds.Project, row));
    }

    /// <summary><c>{id}</c> or <c>{name}</c> → the matching projects (an empty array when none).</summary>
    private static async Task<IResult> ListProjectsAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var id = SdkArgs.OptionalUuid(body, "id");
        var name = SdkArgs.OptionalString(body, "name") ?? SdkArgs.OptionalString(body, "project_name");
        if (id is null && name is null)
        {
            ApiException.ThrowBadRequest("id: is required (or name)");
        }

        var query = new ObjectQuery(principal.OrgId, ObjectKinds.Project.Name) { Ids = id is null ? null : [id], Name = name };
        return JsonResults.Ok(await ListAsync(http, principal, ObjectKinds.Project, store, query));
    }

    /// <summary>
    /// <c>init()</c> and <c>Eval()</c>: the project by id or name (created when named and missing), then the experiment.
    /// With <c>update</c> an experiment of that name is reused; otherwise a taken name gets a suffix (<c>ensure_new</c>).
    /// The base experiment comes from <c>base_exp_id</c>, <c>base_experiment</c> (a name; a missing one is a 400 whose
    /// message says "base experiment", which makes the SDK retry without it) or the newest experiment whose git commit is
    /// among <c>ancestor_commits</c>.
    /// </summary>
    private static async Task<IResult> RegisterExperimentAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var project = await ProjectOfAsync(http, body, principal, store, create: true)
            ?? throw ApiException.BadRequest("project_name: is required (or project_id)");
        var projectId = (string)project["id"]!;

        var create = new JsonObject { ["project_id"] = projectId };
        foreach (var field in new[]
                 {
                     "description", "repo_info", "dataset_id", "dataset_version", "internal_metadata", "parameters_id",
                     "parameters_version", "public", "metadata", "tags",
                 })
        {
            if (body.TryGetPropertyValue(field, out var value) && value is not null)
            {
                create[field] = value.DeepClone();
            }
        }

        if (SdkArgs.OptionalString(body, "experiment_name") is { } name)
        {
            create["name"] = name;
        }

        create["ensure_new"] = SdkArgs.OptionalBoolean(body, "update") != true;
        if (await BaseExperimentIdAsync(body, principal, projectId, store) is { } baseId)
        {
            create["base_exp_id"] = baseId;
        }

        var (experiment, _) = await ObjectsApi.RegisterAsync(ObjectKinds.Experiment, create, principal, projectId, store, http.RequestServices);
        return JsonResults.Ok(new JsonObject { ["project"] = project, ["experiment"] = experiment });
    }

    private static async Task<string?> BaseExperimentIdAsync(JsonObject body, Principal principal, string projectId, ObjectStore store)
    {
        if (SdkArgs.OptionalUuid(body, "base_exp_id") is { } baseId)
        {
            return await store.GetAsync(principal.OrgId, ObjectKinds.Experiment.Name, baseId) is not null
                ? baseId
                : throw ApiException.BadRequest($"base_exp_id: base experiment '{baseId}' not found in this organization");
        }

        if (SdkArgs.OptionalString(body, "base_experiment") is { } baseName)
        {
            var row = await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Experiment.Name, projectId, baseName)
                ?? throw ApiException.BadRequest($"base_experiment: base experiment '{baseName}' not found in the project");
            return row.Id;
        }

        if (body["ancestor_commits"] is not JsonArray { Count: > 0 } ancestors)
        {
            return null;
        }

        var commits = FieldValidation.Check(new Field("ancestor_commits", FieldType.StringArray, FieldUse.Create), ancestors)!
            .AsArray().Select(c => (string)c!).ToList();
        string? best = null;
        var bestRank = int.MaxValue;
        // Experiments list newest first, so the first match of each commit is its newest experiment; the nearest
        // ancestor (commits come newest first) wins.
        await foreach (var row in store.ListAsync(new ObjectQuery(principal.OrgId, ObjectKinds.Experiment.Name) { ScopeId = projectId }, null))
        {
            var commit = (string?)JsonNode.Parse(row.Data)?["commit"];
            var rank = commit is null ? -1 : commits.IndexOf(commit);
            if (rank >= 0 && rank < bestRank)
            {
                (best, bestRank) = (row.Id, rank);
            }
        }

        return best;
    }

    /// <summary><c>init({open: true})</c>: the experiments of that name in the project, as an array (empty when none).</summary>
    private static async Task<IResult> ListExperimentsAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var id = SdkArgs.OptionalUuid(body, "id");
        var project = await ProjectOfAsync(http, body, principal, store, create: false);
        if (project is null && id is null)
        {
            return JsonResults.Ok(new JsonArray());
        }

        var query = new ObjectQuery(principal.OrgId, ObjectKinds.Experiment.Name)
        {
            Ids = id is null ? null : [id],
            ScopeId = (string?)project?["id"],
            Name = SdkArgs.OptionalString(body, "experiment_name"),
        };
        return JsonResults.Ok(await ListAsync(http, principal, ObjectKinds.Experiment, store, query));
    }

    /// <summary>
    /// <c>summarize()</c> asks which experiment to compare with. No baseline is a 400: the SDK reads that as "no base",
    /// while a 200 with null ids crashes it (sdk-protocol §7.2).
    /// </summary>
    private static async Task<IResult> BaseExperimentAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var id = SdkArgs.OptionalUuid(body, "id") ?? throw ApiException.BadRequest("id: is required");
        var log = await EventLogs.ResolveAsync(store, principal, EventObjectType.Experiment, id, "id", EventsApi.AccessOf(http), Access.Read);
        var baseline = await Summaries.BaseExperimentAsync(store, principal, log, EventsApi.AccessOf(http))
            ?? throw ApiException.BadRequest($"id: experiment '{id}' has no base experiment");
        return JsonResults.Ok(new JsonObject { ["base_exp_id"] = (string)baseline["id"]!, ["base_exp_name"] = (string)baseline["name"]! });
    }

    /// <summary><c>initDataset()</c>: the project by id or name (created when named and missing), then the dataset of that name, created when missing.</summary>
    private static async Task<IResult> RegisterDatasetAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var project = await ProjectOfAsync(http, body, principal, store, create: true)
            ?? throw ApiException.BadRequest("project_name: is required (or project_id)");
        var projectId = (string)project["id"]!;
        var create = new JsonObject
        {
            ["project_id"] = projectId,
            ["name"] = SdkArgs.RequiredString(body, "dataset_name"),
        };
        foreach (var field in new[] { "description", "metadata" })
        {
            if (body[field] is { } value)
            {
                create[field] = value.DeepClone();
            }
        }

        var (dataset, _) = await ObjectsApi.RegisterAsync(ObjectKinds.Dataset, create, principal, projectId, store, http.RequestServices);
        return JsonResults.Ok(new JsonObject { ["project"] = project, ["dataset"] = dataset });
    }

    /// <summary>
    /// <c>{object_type, object_ids}</c> → <c>[{object_id, object_name, parent_cols}]</c> for the ids that name live
    /// objects of the caller's organization; others are left out (the SDK reports "not found").
    /// </summary>
    private static async Task<IResult> ObjectInfoAsync(HttpContext http, ObjectStore store)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var principal = await SdkArgs.OrganizationAsync(http, body);
        var typeName = SdkArgs.RequiredString(body, "object_type");
        var kind = ObjectKinds.All.FirstOrDefault(k => k.Name == typeName)
            ?? throw ApiException.BadRequest($"object_type: '{typeName}' is not one of {string.Join(", ", ObjectKinds.All.Select(k => k.Name))}");
        var ids = FieldValidation.Check(new Field("object_ids", FieldType.UuidArray, FieldUse.Required, NonEmpty: true), body["object_ids"])
            ?.AsArray().Select(i => (string)i!) ?? throw ApiException.BadRequest("object_ids: is required");

        var infos = new JsonArray();
        foreach (var id in ids.Distinct())
        {
            // What the caller may not read is left out like what does not exist.
            if (await store.GetAsync(principal.OrgId, kind.Name, id) is not { } row
                || !await ObjectAccess.CanReadAsync(EventsApi.AccessOf(http), principal, kind, row))
            {
                continue;
            }

            var doc = ObjectDocuments.Render(kind, row);
            var parents = new JsonObject();
            if (kind.Scope == ObjectScope.Project &&
                await store.GetAsync(principal.OrgId, ObjectKinds.Project.Name, (string)doc["project_id"]!) is { } project)
            {
                parents["project"] = new JsonObject { ["id"] = project.Id, ["name"] = project.Name };
            }

            parents["organization"] = new JsonObject { ["id"] = principal.OrgId, ["name"] = principal.OrgName };
            infos.Add(new JsonObject { ["object_id"] = row.Id, ["object_name"] = row.Name, ["parent_cols"] = parents });
        }

        return JsonResults.Ok(infos);
    }

    /// <summary>The project a body names by <c>project_id</c> (a 400 when unknown) or <c>project_name</c> (registered when <paramref name="create"/>).</summary>
    private static async Task<JsonObject?> ProjectOfAsync(HttpContext http, JsonObject body, Principal principal, ObjectStore store, bool create)
    {
        if (SdkArgs.OptionalUuid(body, "project_id") is { } projectId)
        {
            var row = await store.GetAsync(principal.OrgId, ObjectKinds.Project.Name, projectId)
                ?? throw ApiException.BadRequest($"project_id: no project with id '{projectId}' in this organization");
            await ObjectAccess.RequireAsync(EventsApi.AccessOf(http), principal, ObjectKinds.Project, row, Access.Read);
            return ObjectDocuments.Render(ObjectKinds.Project, row);
        }

        if (SdkArgs.OptionalString(body, "project_name") is not { } name)
        {
            return null;
        }

        if (create)
        {
            return await EnsureProjectAsync(http, principal, store, name);
        }

        var existing = await store.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Project.Name, principal.OrgId, name);
        return existing is null || !await ObjectAccess.CanReadAsync(EventsApi.AccessOf(http), principal, ObjectKinds.Project, existing)
            ? null
            : ObjectDocuments.Render(ObjectKinds.Project, existing);
    }

    private static async Task<JsonObject> EnsureProjectAsync(HttpContext http, Principal principal, ObjectStore store, string name)
    {
        var (project, _) = await ObjectsApi.RegisterAsync(
            ObjectKinds.Project, new JsonObject { ["name"] = name }, principal, principal.OrgId, store, http.RequestServices);
        return project;
    }

    // The matching objects the caller may read.
    private static async Task<JsonArray> ListAsync(HttpContext http, Principal principal, ObjectKind kind, ObjectStore store, ObjectQuery query)
    {
        var objects = new JsonArray();
        var access = EventsApi.AccessOf(http);
        await foreach (var row in store.ListAsync(query, null))
        {
            if (await ObjectAccess.CanReadAsync(access, principal, kind, row))
            {
                objects.Add(ObjectDocuments.Render(kind, row));
            }
        }

        return objects;
    }
}
