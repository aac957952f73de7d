using System.Text.Json.Nodes;
using Braid.Server.Objects;
using Braid.Storage.Objects;
using Braid.Storage.Tenancy;

namespace Braid.Server.Automations.Alerts;

/// <summary>
/// What an alert is about: the automation, its organization and project by name, and where Braid's UI links point
/// (<c>Braid:PublicUrl</c>; without it the payload's links are null). Builds the payload every alert shares:
/// <c>{organization, project, automation, details}</c>, as Braintrust's webhooks send it.
/// </summary>
public sealed record AlertSubject(Automation Automation, string OrgName, string ProjectName, string? PublicUrl)
{
    public static async Task<AlertSubject> LoadAsync(Automation automation, TenantStore tenants, ObjectStore objects, string? publicUrl)
    {
        var organization = await tenants.FindOrganizationByIdAsync(automation.OrgId);
        var project = await objects.GetAsync(automation.OrgId, ObjectKinds.Project.Name, automation.ProjectId);
        return new AlertSubject(automation, organization?.Name ?? "", project?.Name ?? "", string.IsNullOrEmpty(publicUrl) ? null : publicUrl.TrimEnd('/'));
    }

    /// <summary>A page of the project in Braid's UI, e.g. <c>logs</c>; null without a public URL.</summary>
    public string? ProjectPage(string page) =>
        PublicUrl is null ? null : $"{PublicUrl}/app/{Uri.EscapeDataString(OrgName)}/p/{Uri.EscapeDataString(ProjectName)}/{page}";

    /// <summary>The payload: the automation block names its event type and the given <paramref name="configFields"/> of its config.</summary>
    public JsonObject Payload(IEnumerable<string> configFields, JsonObject details)
    {
        var block = new JsonObject
        {
            ["id"] = Automation.Id,
            ["name"] = Automation.Name,
            ["description"] = Automation.Description,
            ["event_type"] = Automation.EventType,
        };
        foreach (var field in configFields)
        {
            block[field] = Automation.Config[field]?.DeepClone();
        }

        block["url"] = ProjectPage("configuration/alerts");
        return new JsonObject
        {
            ["organization"] = new JsonObject { ["id"] = Automation.OrgId, ["name"] = OrgName },
            ["project"] = new JsonObject { ["id"] = Automation.ProjectId, ["name"] = ProjectName },
            ["automation"] = block,
            ["details"] = details,
        };
    }
}
