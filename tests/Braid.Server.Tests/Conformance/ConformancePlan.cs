using System.Text.Json.Nodes;

namespace Braid.Server.Tests.Conformance;

/// <summary>Which credential an operation is sent with.</summary>
public enum Credential
{
    /// <summary>The tenant owner's user API key.</summary>
    ApiKey,

    /// <summary>A service token of a service account holding the organization's Owner role.</summary>
    ServiceToken,
}

/// <summary>
/// What an operation needs beyond what its schemas say. <see cref="Body"/> is JSON whose top-level fields replace the
/// generated ones; in it <c>{kind}</c> is the id of the run's shared object of that kind, <c>{new kind}</c> the id of
/// an object made for this request alone (one per kind and request), <c>{new kind.field}</c> a field of it, and
/// <c>{unique}</c> a fresh name.
/// </summary>
public sealed record Override(string? Body = null, Credential Credential = Credential.ApiKey);

/// <summary>
/// The conformance test's plan over the spec: which operations run, in which order, and the few facts about them that
/// cannot be read from the schemas. Everything else about a request is generated from the spec.
/// </summary>
public static class ConformancePlan
{
    /// <summary>
    /// Operations not exercised, each pending its own issue. Nothing else belongs here: an operation that does not
    /// pass is a to-do, not an exclusion.
    /// </summary>
    public static readonly IReadOnlySet<string> Excluded = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Per-operation facts the schemas cannot express, keyed by operationId.</summary>
    private const string Automation = """
        {"project_id": "{project}", "name": "{unique}", "description": null,
         "config": {"event_type": "logs", "btql_filter": "metadata.severity = 'error'", "interval_seconds": 3600,
                    "action": {"type": "webhook", "url": "https://hooks.example.com/braid"}}}
        """;

    public static readonly IReadOnlyDictionary<string, Override> Overrides = new Dictionary<string, Override>(StringComparer.Ordinal)
    {
        // Event logs: the schemas allow empty lists; insert one row, then give feedback on that row.
        ["postProjectLogsIdInsert"] = new("""{"events": [{"id": "conformance-row", "input": "question", "output": "answer"}]}"""),
        ["postExperimentIdInsert"] = new("""{"events": [{"id": "conformance-row", "input": "question", "output": "answer"}]}"""),
        ["postDatasetIdInsert"] = new("""{"events": [{"id": "conformance-row", "input": "question", "expected": "answer"}]}"""),
        ["postProjectLogsIdFeedback"] = new("""{"feedback": [{"id": "conformance-row", "comment": "checked"}]}"""),
        ["postExperimentIdFeedback"] = new("""{"feedback": [{"id": "conformance-row", "comment": "checked"}]}"""),
        ["postDatasetIdFeedback"] = new("""{"feedback": [{"id": "conformance-row", "comment": "checked"}]}"""),
        ["postCrossObjectInsert"] = new("""{"project_logs": {"{project}": {"events": [{"id": "cross-row", "input": "question"}]}}}"""),

        // An ACL grants exactly one of permission/role_id to exactly one of user_id/group_id. Each new ACL goes to a new
        // group, so it is a new ACL rather than the existing identical one; DELETE /v1/acl names a new ACL by its contents.
        ["postAcl"] = new("""{"group_id": "{new group}", "permission": "read"}"""),
        ["deleteAcl"] = new("""{"group_id": "{new acl.group_id}", "permission": "read"}"""),
        ["aclBatchUpdate"] = new("""{"add_acls": [{"object_type": "organization", "object_id": "{organization}", "group_id": "{new group}", "permission": "update"}]}"""),

        // Organization membership: the schema allows an empty change; invite someone.
        ["patchOrganizationMembers"] = new("""{"invite_users": {"emails": ["{unique}@example.com"]}}"""),

        // Deletes by body name a new object by its name or id.
        ["deleteAiSecret"] = new("""{"name": "{new ai_secret.name}"}"""),
        ["deleteServiceToken"] = new("""{"id": "{new service_token}"}"""),

        // The AI proxy: a request names a model (the run's OPENAI_API_KEY sends OpenAI models to a fake provider).
        ["proxychatCompletions"] = new("""{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "conformance"}]}"""),
        ["proxycompletions"] = new("""{"model": "gpt-3.5-turbo-instruct", "prompt": "conformance"}"""),
        ["proxyauto"] = new("""{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "conformance"}]}"""),
        ["proxyembeddings"] = new("""{"model": "text-embedding-3-small", "input": "conformance"}"""),
        ["proxycredentials"] = new("""{"model": "gpt-4o-mini", "ttl_seconds": 600, "logging": null}"""),
        ["proxy{path+}"] = new("""{"model": "gpt-4o-mini"}"""),

        // Invoke: the shared function, made runnable without a model for this call by overrides (a built-in scorer);
        // generated versions and parents would name nothing.
        ["postFunctionIdInvoke"] = new("""{"input": {"output": "a", "expected": "a"}, "overrides": {"function_data": {"type": "global", "name": "ExactMatch"}}, "version": null, "parent": null, "stream": false}"""),

        // Evals: inline rows, an inline code task and a built-in scorer, so no model is needed.
        ["evalLaunch"] = new("""{"project_id": "{project}", "experiment_name": "{unique}", "data": {"data": [{"input": "a", "expected": "a"}]}, "task": {"inline_context": {"runtime": "node", "version": "22"}, "code": "function handler(x) { return x; }"}, "scores": [{"global_function": "ExactMatch"}], "stream": false, "parent": null, "trial_count": 1, "max_concurrency": 1, "timeout": 10000, "base_experiment_id": null, "base_experiment_name": null}"""),

        // Service tokens are made with a service token that has organization-owner permission, never a user API key
        // (spec, POST /v1/service_token); PUT creates them too.
        // Automations' filters must parse and their webhooks be URLs, which generated strings are not.
        ["postProjectAutomation"] = new(Automation),
        ["putProjectAutomation"] = new(Automation),
        ["patchProjectAutomationId"] = new("""{"name": "{unique}", "config": {"event_type": "retention", "object_type": "project_logs", "retention_days": 30}}"""),
        ["postServiceToken"] = new(Credential: Credential.ServiceToken),
        ["putServiceToken"] = new(Credential: Credential.ServiceToken),
    };

    /// <summary>
    /// The operations that run, in order: per resource (in spec order), creates first, then lists, reads, patches and
    /// the resource's other operations (insert before fetch before feedback before summarize), deletes last.
    /// </summary>
    public static IReadOnlyList<SpecOperation> Ordered(SpecDocument spec)
    {
        var resources = spec.Operations.Select(Resource).Distinct().ToList();
        return [.. spec.Operations
            .Where(o => !Excluded.Contains(o.OperationId))
            .OrderBy(o => resources.IndexOf(Resource(o)))
            .ThenBy(Rank)];
    }

    /// <summary>The resource an operation belongs to: <c>project</c> for <c>/v1/project/{id}/...</c>, <c>environment</c>, or <c>v1</c>.</summary>
    public static string Resource(SpecOperation operation)
    {
        var segments = operation.Path.Trim('/').Split('/');
        return segments[0] == "v1" && segments.Length > 1 ? segments[1] : segments[0];
    }

    /// <summary>A create or list on a resource's collection path (<c>/v1/prompt</c>, <c>/environment</c>).</summary>
    public static bool IsCollection(SpecOperation operation)
    {
        var segments = operation.Path.Trim('/').Split('/');
        return segments.Length == (segments[0] == "v1" ? 2 : 1);
    }

    /// <summary>
    /// The kind of object an id field or path parameter names, or null when the field holds no object id.
    /// <c>object_id</c> names an object of its sibling <c>object_type</c>.
    /// </summary>
    public static string? KindOfField(string field, JsonObject? parent) => field switch
    {
        "object_id" => (string?)parent?["object_type"] switch
        {
            "organization" or "org_project" or "org_audit_logs" => "organization",
            "project_log" or "project_logs" => "project",
            "org_member" => "user",
            var type => type,
        },
        "org_id" or "organization_id" => "organization",
        "base_exp_id" => "experiment",
        "user_id" or "created_by_user_id" => "user",
        _ when field.EndsWith("_id", StringComparison.Ordinal) => field[..^3],
        _ => null,
    };

    private static int Rank(SpecOperation operation)
    {
        var byId = operation.Path.EndsWith('}');
        return (operation.Method, IsCollection(operation), byId) switch
        {
            ("post", true, _) => 0,
            ("put", true, _) => 1,
            ("get", true, _) => 2,
            ("get", _, true) => 3,
            ("patch", _, true) => 4,
            ("delete", true, _) => 20,
            ("delete", _, true) => 21,
            _ => operation.Path.Split('/')[^1] switch
            {
                "insert" => 10,
                "fetch" => operation.Method == "get" ? 11 : 12,
                "feedback" => 13,
                "summarize" => 14,
                _ => 15,
            },
        };
    }
}
