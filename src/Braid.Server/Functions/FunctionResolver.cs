using System.Text.Json.Nodes;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Functions;

/// <summary>A function found and ready to run: its document at the requested version, and where it lives.</summary>
public sealed record ResolvedFunction(JsonObject Document, string Name)
{
    public string? Id => (string?)Document["id"];

    public string? ProjectId => (string?)Document["project_id"];

    /// <summary><c>function_type</c>: llm, scorer, task, tool, ... (null for a plain prompt).</summary>
    public string? Type => (string?)Document["function_type"];

    /// <summary><c>_xact_id</c> of the version that runs, for the span's record of what ran.</summary>
    public string? Version => (string?)Document["_xact_id"];
}

/// <summary>
/// Finds the function a <see cref="FunctionRef"/> names in the caller's organization. Prompts and functions are one
/// table in Braintrust, so an id or slug is looked up among functions and then prompts. Running a function needs
/// <c>read</c> on it. A function that is not in the caller's organization is a 404 when the route names it, and a 400
/// (a bad reference) when the body does.
/// </summary>
public sealed class FunctionResolver(ObjectStore objects, Access access)
{
    private static readonly ObjectKind[] Kinds = [ObjectKinds.Function, ObjectKinds.Prompt];

    public async Task<ResolvedFunction> ResolveAsync(Principal principal, FunctionRef reference, string at = "")
    {
        if (reference.Inline is { } inline)
        {
            return new ResolvedFunction(inline, (string?)inline["name"] ?? "inline");
        }

        if (reference.GlobalFunction is { } global)
        {
            // Built-in functions run as a document of type "global" naming them.
            return new ResolvedFunction(
                new JsonObject
                {
                    ["name"] = global,
                    ["function_type"] = reference.FunctionType ?? "scorer",
                    ["function_data"] = new JsonObject { ["type"] = "global", ["name"] = global },
                },
                global);
        }

        var (kind, row) = reference.FunctionId is { } id ? await ByIdAsync(principal, id, reference.FromPath, at) : await BySlugAsync(principal, reference, at);
        await ObjectAccess.RequireAsync(access, principal, kind, row, Access.Read);
        var version = await ObjectVersions.PinnedAsync(kind, reference.Version, reference.Environment, principal, objects, row.Id, at);
        var doc = version is null
            ? ObjectDocuments.Render(kind, row)
            : ObjectDocuments.Render(kind, ObjectDocuments.Load(
                await objects.GetVersionAsync(principal.OrgId, row.Id, version.Value)
                    ?? throw ApiException.NotFound($"{at}version: {kind.Name} '{row.Id}' has no version at or before {version}"),
                null));

        return new ResolvedFunction(doc, (string?)doc["name"] ?? row.Name ?? row.Id);
    }

    private async Task<(ObjectKind, ObjectRow)> ByIdAsync(Principal principal, string rawId, bool fromPath, string at)
    {
        if (!Ids.TryNormalize(rawId, out var id))
        {
            throw ApiException.BadRequest($"{at}function_id: '{rawId}' is not a function id (a UUID)");
        }

        foreach (var kind in Kinds)
        {
            if (await objects.GetAsync(principal.OrgId, kind.Name, id) is { } row)
            {
                return (kind, row);
            }
        }

        throw fromPath
            ? ApiException.NotFound($"function '{rawId}' not found")
            : ApiException.BadRequest($"{at}function_id: no function '{rawId}' in this organization");
    }

    private async Task<(ObjectKind, ObjectRow)> BySlugAsync(Principal principal, FunctionRef reference, string at)
    {
        string projectId;
        if (reference.ProjectId is { } rawProject)
        {
            projectId = Ids.TryNormalize(rawProject, out var normalized)
                ? normalized
                : throw ApiException.BadRequest($"{at}project_id: '{rawProject}' is not a project id (a UUID)");
        }
        else
        {
            var project = await objects.GetByNaturalKeyAsync(principal.OrgId, ObjectKinds.Project.Name, principal.OrgId, reference.ProjectName!)
                ?? throw ApiException.BadRequest($"{at}project_name: no project named '{reference.ProjectName}'");
            projectId = project.Id;
        }

        foreach (var kind in Kinds)
        {
            if (await objects.GetByNaturalKeyAsync(principal.OrgId, kind.Name, projectId, reference.Slug!) is { } row)
            {
                return (kind, row);
            }
        }

        throw ApiException.BadRequest($"{at}slug: no function with slug '{reference.Slug}' in project '{reference.ProjectName ?? projectId}'");
    }
}
