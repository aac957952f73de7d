using System.Collections.Concurrent;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.AccessControl;

/// <summary>
/// Each organization's <see cref="AccessModel"/>, kept while its access generation is current. The generation is read
/// on every request (one primary-key read) rather than every few seconds: with several nodes on one PostgreSQL, a
/// revoked ACL or a removed group member must stop working at once on every node, and the triggers of migration 0014
/// bump it in the same transaction as the change. The model itself, the costly part, is read only after a change.
/// </summary>
public sealed class AccessCache(TenantStore tenants, ObjectStore objects)
{
    private static readonly string[] Kinds = [ObjectKinds.Role.Name, ObjectKinds.Group.Name, ObjectKinds.Acl.Name];

    private readonly ConcurrentDictionary<string, AccessModel> _models = new();

    /// <summary>
    /// The organization's model at its current generation, or at <paramref name="knownGeneration"/> when the request has
    /// read it already (the AI proxy reads it with the API key), which saves reading it again.
    /// </summary>
    public async Task<AccessModel> GetAsync(string orgId, long? knownGeneration = null)
    {
        var generation = knownGeneration ?? await tenants.AccessGenerationAsync(orgId);
        if (_models.TryGetValue(orgId, out var cached) && cached.Generation == generation)
        {
            return cached;
        }

        // The rows are read after the generation: a change committing in between makes the model newer than its
        // generation, never older, and the next request (seeing a higher generation) reads it again.
        var rows = new List<ObjectRow>();
        foreach (var kind in Kinds)
        {
            await foreach (var row in objects.ListAsync(new ObjectQuery(orgId, kind), null))
            {
                rows.Add(row);
            }
        }

        var model = new AccessModel(generation, rows, ObjectKinds.Role.BuiltIns);
        _models.AddOrUpdate(orgId, model, (_, current) => current.Generation > generation ? current : model);
        return model;
    }
}
