using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.AccessControl;

/// <summary>
/// A request's view of access control: asks <see cref="AccessModel.Allows"/> with the organization's current model
/// (read once per request and organization) and finds the targets objects are checked as. Scoped to the request.
/// </summary>
public sealed class Access(AccessCache cache, ObjectStore objects)
{
    /// <summary>The spec's Permission enum.</summary>
    public const string Create = "create", Read = "read", Update = "update", Delete = "delete",
        CreateAcls = "create_acls", ReadAcls = "read_acls", UpdateAcls = "update_acls", DeleteAcls = "delete_acls";

    private readonly Dictionary<string, AccessModel> _models = [];
    private readonly Dictionary<string, long> _generations = [];
    private readonly Dictionary<(string OrgId, string Type, string Id), AccessTarget> _targets = [];

    public async Task<AccessModel> ModelAsync(string orgId)
    {
        if (!_models.TryGetValue(orgId, out var model))
        {
            _models[orgId] = model = await cache.GetAsync(orgId, _generations.TryGetValue(orgId, out var known) ? known : null);
        }

        return model;
    }

    /// <summary>The organization's generation as this request already read it: its model is then taken at that generation without reading it again.</summary>
    public void KnowGeneration(string orgId, long generation) => _generations[orgId] = generation;

    public async Task<bool> AllowsAsync(Principal principal, AccessTarget target, string permission) =>
        (await ModelAsync(principal.OrgId)).Allows(principal.UserId, target, permission);

    /// <summary>A 403 naming the permission and the object unless the caller holds it.</summary>
    public async Task RequireAsync(Principal principal, AccessTarget target, string permission)
    {
        if (!await AllowsAsync(principal, target, permission))
        {
            throw ApiException.Forbidden($"permission denied: you lack '{permission}' on {target}");
        }
    }

    public static AccessTarget Organization(string orgId) => new("organization", orgId, []);

    /// <summary>A member of the organization (null: members in general, as when inviting one).</summary>
    public static AccessTarget Member(string orgId, string? userId) => new("org_member", userId, [("organization", orgId)]);

    public static AccessTarget Project(string orgId, string? projectId) =>
        new("project", projectId, [("org_project", orgId), ("organization", orgId)]);

    /// <summary>An object inside a project (an experiment, dataset, prompt or the project's logs).</summary>
    public static AccessTarget InProject(string type, string? id, string orgId, string projectId) =>
        new(type, id, [("project", projectId), ("org_project", orgId), ("organization", orgId)]);

    /// <summary>An object of an ACL object type by id, with its ancestors looked up (experiments, datasets and prompts name their project).</summary>
    public async Task<AccessTarget> TargetAsync(string orgId, string type, string id)
    {
        if (_targets.TryGetValue((orgId, type, id), out var known))
        {
            return known;
        }

        var target = type switch
        {
            "organization" => Organization(orgId),
            "project" => Project(orgId, id),
            "project_log" => InProject(type, id, orgId, id),
            "experiment" or "dataset" => await InProjectAsync(orgId, type, id, [type]),
            "prompt" => await InProjectAsync(orgId, type, id, [ObjectKinds.Prompt.Name, ObjectKinds.Function.Name]),

            // Env vars hang on functions, which are checked as prompts.
            "function" => await InProjectAsync(orgId, ObjectKinds.Function.AclType!, id, [ObjectKinds.Function.Name]),
            _ => new AccessTarget(type, id, [("organization", orgId)]),
        };
        _targets[(orgId, type, id)] = target;
        return target;
    }

    // An object found gone keeps only the organization's grants: nothing more can be said about it.
    private async Task<AccessTarget> InProjectAsync(string orgId, string type, string id, string[] kinds)
    {
        foreach (var kind in kinds)
        {
            if (await objects.GetAsync(orgId, kind, id) is { } row)
            {
                return InProject(type, id, orgId, row.ScopeId);
            }
        }

        return new AccessTarget(type, id, [("organization", orgId)]);
    }
}
