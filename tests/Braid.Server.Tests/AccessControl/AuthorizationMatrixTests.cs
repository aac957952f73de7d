using System.Text;
using Braid.Server.Tests.Conformance;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Tenancy;
using Xunit.Abstractions;

namespace Braid.Server.Tests.AccessControl;

/// <summary>
/// Every operation of the spec (as the conformance test sends it) × every kind of caller, with the status each must get.
/// The expectations come from the permission model (<see cref="Expected"/>), not from what the server answers; the
/// whole matrix is printed, mismatches marked.
/// </summary>
public sealed class AuthorizationMatrixTests(BraidApp app, ITestOutputHelper output) : IClassFixture<BraidApp>
{
    public enum Caller
    {
        Owner,
        Engineer,
        Viewer,

        /// <summary>A member of no group with one ACL: read on the project every request works in.</summary>
        NarrowMember,

        /// <summary>A service account's token, the service account in Engineers.</summary>
        ServiceToken,

        /// <summary>The owner of another organization.</summary>
        OtherOrg,
        NoCredential,
    }

    private enum Action
    {
        List,
        Read,
        Create,
        Update,
        Delete,
    }

    // The resources of the organization itself: reading them needs read on the organization (Engineers and Viewers
    // have it), changing them an Owner. Views and env vars are here too: the conformance requests hang them on the
    // organization (the first object_type). Every other resource lives in a project.
    private static readonly HashSet<string> OrganizationResources =
        ["role", "group", "acl", "organization", "user", "api_key", "service_token", "ai_secret", "environment", "env_var", "view"];

    // Reading ACLs needs read_acls on their object, which only Owners have.
    private static readonly HashSet<string> AclReads = ["getAcl", "getAclId"];

    // Writes whose bodies name none of the organization's objects: another organization's owner makes them in theirs.
    private static readonly HashSet<string> SelfContainedWrites =
    [
        "postProject", "postRole", "putRole", "postGroup", "putGroup", "patchOrganizationMembers", "postAiSecret", "putAiSecret",
        "createEnvironment",
    ];

    // Writes that name an object by id or name in the body the way a path does: what another organization has not is a 404.
    private static readonly HashSet<string> LookupWrites = ["deleteServiceToken", "deleteAiSecret", "postCrossObjectInsert"];

    // Lists that need read on the organization's members rather than filtering to what the caller may read.
    private static readonly HashSet<string> MemberLists = ["getUser", "getApiKey", "getServiceToken"];

    [Fact]
    public async Task EveryOperation_ForEveryCaller_AnswersWhatThePermissionModelSays()
    {
        var owner = await app.NewTenantAsync();
        var run = new ConformanceRun(app, owner, SpecDocument.Shared);
        var project = await run.SharedIdAsync("project");
        var narrow = await app.MemberAsync(owner);
        await owner.GrantAsync(new { object_type = "project", object_id = project, user_id = narrow.UserId(), permission = "read" });
        var bearers = new Dictionary<Caller, string?>
        {
            [Caller.Owner] = owner.Bearer,
            [Caller.Engineer] = (await app.MemberAsync(owner, "Engineers")).Bearer,
            [Caller.Viewer] = (await app.MemberAsync(owner, "Viewers")).Bearer,
            [Caller.NarrowMember] = narrow.Bearer,
            [Caller.ServiceToken] = (await app.ServiceTokenAsync(owner, "Engineers")).Bearer,
            [Caller.OtherOrg] = (await app.NewTenantAsync()).Bearer,
            [Caller.NoCredential] = null,
        };

        var table = new StringBuilder();
        table.Append($"{"operation",-34}").AppendJoin("", Enum.GetValues<Caller>().Select(c => $"{c,14}")).AppendLine();
        var mismatches = new List<string>();
        // The AI proxy is not an object of the permission model: any member's key (or a temporary credential) calls the
        // providers with the organization's secrets. Its 401/403 cases are in Proxy/ProxyErrorsTests and ProxyCredentialsTests.
        foreach (var operation in ConformancePlan.Ordered(SpecDocument.Shared).Where(o => !o.Path.StartsWith("/v1/proxy", StringComparison.Ordinal)))
        {
            table.Append($"{operation.OperationId,-34}");
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var expected = Expected(operation, caller);
                var actual = await run.StatusAsAsync(operation, bearers[caller]);
                table.Append($"{(actual == expected ? actual.ToString() : $"{actual}≠{expected}"),14}");
                if (actual != expected)
                {
                    mismatches.Add($"{operation} as {caller}: expected {expected}, got {actual}");
                }
            }

            table.AppendLine();
        }

        output.WriteLine($"authorization matrix ({TestStore.Name}); a≠e: got a, expected e");
        output.WriteLine(table.ToString());
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>The status the permission model gives a caller for a valid request of the operation.</summary>
    public static int Expected(SpecOperation operation, Caller caller)
    {
        if (operation.OperationId == "helloWorld" || operation.Path == "/v1")
        {
            return 200;
        }

        if (caller == Caller.NoCredential)
        {
            return 401;
        }

        var resource = ConformancePlan.Resource(operation);
        var action = ActionOf(operation);
        var inOrganization = OrganizationResources.Contains(resource);
        var read = action is Action.List or Action.Read;
        return caller switch
        {
            Caller.Owner => 200,
            _ when AclReads.Contains(operation.OperationId) && caller != Caller.OtherOrg => 403,
            Caller.Engineer or Caller.ServiceToken => read || !inOrganization ? 200 : 403,
            Caller.Viewer => read ? 200 : 403,
            Caller.NarrowMember => NarrowMember(operation, resource, action, inOrganization),
            _ => OtherOrg(operation, action),
        };
    }

    // Read on one project: its objects and logs may be read, lists show what is readable, nothing may be changed.
    private static int NarrowMember(SpecOperation operation, string resource, Action action, bool inOrganization) =>
        action switch
        {
            Action.List when MemberLists.Contains(operation.OperationId) => 403,
            Action.List => 200,
            Action.Read when resource == "organization" => 200,
            Action.Read => inOrganization ? 403 : 200,
            _ => 403,
        };

    // Another organization's owner acts in their own organization: our objects named in the path do not exist there
    // (404), named in a body or the query they are a bad reference (400); what names none of ours works in theirs.
    private static int OtherOrg(SpecOperation operation, Action action) =>
        operation.Path.Contains('{', StringComparison.Ordinal) || LookupWrites.Contains(operation.OperationId) ? 404
        : operation.OperationId == "getAcl" ? 400
        : action == Action.List || SelfContainedWrites.Contains(operation.OperationId) ? 200
        : 400;

    private static Action ActionOf(SpecOperation operation)
    {
        var last = operation.Path.Split('/')[^1];
        return (operation.Method, last) switch
        {
            (_, "insert" or "feedback") => Action.Update,
            (_, "fetch" or "summarize") => Action.Read,

            // Running a function reads it; its spans are written only where the caller may write (none here).
            (_, "invoke") => Action.Read,
            ("post", "batch_update") => Action.Create,
            ("get", "list_org") => Action.List,
            ("patch", "members") => Action.Create,
            ("get", _) => ConformancePlan.IsCollection(operation) ? Action.List : Action.Read,
            ("post" or "put", _) => Action.Create,
            ("patch", _) => Action.Update,
            _ => Action.Delete,
        };
    }
}
