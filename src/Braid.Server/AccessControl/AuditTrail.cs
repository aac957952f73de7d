using System.Text.Json.Nodes;
using Braid.Storage;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.AccessControl;

/// <summary>
/// The organization's audit log: who did what to which object. Each event is a document of kind
/// <see cref="Kind"/> in the objects table, written in the same transaction as the change it records (or on its own
/// for changes outside that table: memberships, API keys, impersonation), and read through <c>/btql</c> as
/// <c>from: org_audit_logs()</c> by callers with <c>read</c> on the organization's <c>org_audit_logs</c>. An event names
/// both identities of an impersonated request: <c>user_id</c> acted, on behalf of <c>impersonator_id</c>'s key.
/// Events never hold secrets: an ai_secret's event names it, and an ACL's event holds the grant.
/// </summary>
public static class AuditTrail
{
    public const string Kind = "audit_event";

    /// <summary>An audit event of <paramref name="principal"/> doing <paramref name="action"/> to an object.</summary>
    public static ObjectRow Event(Principal principal, string action, string targetType, string? targetId, string? targetName = null, JsonObject? details = null)
    {
        var id = Guid.CreateVersion7().ToString();
        var created = Clock.Format(DateTimeOffset.UtcNow);
        var doc = new JsonObject
        {
            ["id"] = id,
            ["org_id"] = principal.OrgId,
            ["created"] = created,
            ["user_id"] = principal.UserId,
            ["impersonator_id"] = principal.ImpersonatorId,
            ["api_key_id"] = principal.ApiKeyId,
            ["action"] = action,
            ["target_type"] = targetType,
            ["target_id"] = targetId,
            ["target_name"] = targetName,
            ["details"] = details,
        };
        return new ObjectRow(0, id, principal.OrgId, Kind, principal.OrgId, null, null, doc.ToJsonString(), created, null);
    }

    /// <summary>What an ACL grants, for its create and delete events.</summary>
    public static JsonObject? Grant(string kind, JsonObject doc) =>
        kind != "acl"
            ? null
            : new JsonObject
            {
                ["object_type"] = doc["object_type"]?.DeepClone(),
                ["object_id"] = doc["object_id"]?.DeepClone(),
                ["user_id"] = doc["user_id"]?.DeepClone(),
                ["group_id"] = doc["group_id"]?.DeepClone(),
                ["permission"] = doc["permission"]?.DeepClone(),
                ["role_id"] = doc["role_id"]?.DeepClone(),
                ["restrict_object_type"] = doc["restrict_object_type"]?.DeepClone(),
            };
}
