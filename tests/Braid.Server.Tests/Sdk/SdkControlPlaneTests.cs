using System.Net;
using Braid.Server.Tests.Infrastructure;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Sdk;

/// <summary>The app-base calls of the Braintrust SDK (sdk-protocol §1, §3 control plane), checked on the fields the SDK reads.</summary>
public sealed class SdkControlPlaneTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task Login_ListsTheKeysOrganizationFirst_WithThisServersUrls()
    {
        var api = await app.NewTenantAsync();
        // The same user in a second organization: login lists both, the key's own first.
        var tenants = app.Services.GetRequiredService<TenantStore>();
        var second = await tenants.CreateApiKeyAsync(ApiClient.Unique("second"), api.Key!.User.Email, "k");

        var orgInfo = (await api.PostAsync("/api/apikey/login", "")).AssertOk().Json["org_info"]!.AsArray();
        Assert.Equal(2, orgInfo.Count);
        Assert.Equal(api.OrgId, (string)orgInfo[0]!["id"]!);
        Assert.Equal(api.OrgName, (string)orgInfo[0]!["name"]!);
        Assert.Equal(second.Organization.Id, (string)orgInfo[1]!["id"]!);
        var baseUrl = app.CreateClient().BaseAddress!.ToString().TrimEnd('/');
        Assert.Equal(baseUrl, (string)orgInfo[0]!["api_url"]!);
        Assert.Equal(baseUrl, (string)orgInfo[0]!["proxy_url"]!);
        Assert.True(orgInfo[0]!.AsObject().ContainsKey("git_metadata"));

        (await app.Anonymous().PostAsync("/api/apikey/login", "")).AssertStatus(HttpStatusCode.Unauthorized);
        (await app.Anonymous("sk-not-a-key").PostAsync("/api/apikey/login", "")).AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_DescribesTheKeysUser_AsTheSpecsUserWithItsOrganizations()
    {
        var api = await app.NewTenantAsync();
        var me = (await api.GetAsync("/api/self/me")).AssertOk().Object;
        Assert.Equal(api.Key!.User.Id, (string)me["id"]!);
        Assert.Equal(api.Key.User.Email, (string)me["email"]!);
        // The spec's User, every field present, plus the organizations as Braintrust's docs show them.
        foreach (var field in new[] { "given_name", "family_name", "avatar_url", "created" })
        {
            Assert.True(me.ContainsKey(field), $"/api/self/me without '{field}': {me.ToJsonString()}");
        }

        var org = Assert.Single(me["organizations"]!.AsArray())!;
        Assert.Equal((api.OrgId, api.OrgName), ((string)org["id"]!, (string)org["name"]!));
        (await api.PostAsync("/api/self/me", "{}")).AssertOk();

        // The Python SDK's user_info() reads GET /ping as JSON.
        Assert.Equal(api.Key.User.Id, (string)(await api.GetAsync("/ping")).AssertOk().Json["id"]!);
        (await app.Anonymous().GetAsync("/ping")).AssertStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ProjectRegister_CreatesOnce_ThenReturnsTheSameProject()
    {
        var api = await app.NewTenantAsync();
        var name = ApiClient.Unique("p");
        var first = (await api.PostAsync("/api/project/register", new { project_name = name, org_id = api.OrgId })).AssertOk().Json["project"]!;
        var again = (await api.PostAsync("/api/project/register", new { project_name = name })).AssertOk().Json["project"]!;
        Assert.Equal((string)first["id"]!, (string)again["id"]!);
        Assert.Equal(name, (string)again["name"]!);

        var id = (string)first["id"]!;
        Assert.Equal(name, (string)(await api.GetAsync($"/api/project?id={id}")).AssertOk().Json["name"]!);
        var listed = (await api.PostAsync("/api/project/get", new { id })).AssertOk().Json.AsArray();
        Assert.Equal(id, (string)Assert.Single(listed)!["id"]!);

        (await api.PostAsync("/api/project/register", new { org_id = api.OrgId })).AssertError(HttpStatusCode.BadRequest, "project_name");
        (await api.PostAsync("/api/project/register", new { project_name = 5 })).AssertError(HttpStatusCode.BadRequest, "project_name");
        (await api.PostAsync("/api/project/register", "[1]")).AssertStatus(HttpStatusCode.BadRequest);
        (await api.GetAsync("/api/project?id=nope")).AssertError(HttpStatusCode.BadRequest, "id");
        (await api.PostAsync("/api/project/get", new { })).AssertError(HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Register_StaysInsideTheOrganization()
    {
        var api = await app.NewTenantAsync();
        var other = await app.NewTenantAsync();
        var theirs = (string)(await other.CreateProjectAsync())["id"]!;

        (await api.PostAsync("/api/project/register", new { project_name = "p", org_id = other.OrgId })).AssertError(HttpStatusCode.Forbidden, "org_id");
        (await api.PostAsync("/api/project/register", new { project_name = "p", org_name = other.OrgName })).AssertError(HttpStatusCode.Forbidden, "org_name");
        (await api.PostAsync("/api/experiment/register", new { project_id = theirs })).AssertError(HttpStatusCode.BadRequest, "project_id");
        (await api.PostAsync("/api/dataset/register", new { project_id = theirs, dataset_name = "d" })).AssertError(HttpStatusCode.BadRequest, "project_id");
        (await api.GetAsync($"/api/project?id={theirs}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.PostAsync("/api/project/get", new { id = theirs })).AssertOk().Json.AsArray());
        Assert.Empty((await api.PostAsync("/api/self/get_object_info", new { object_type = "project", object_ids = new[] { theirs } })).AssertOk().Json.AsArray());
    }

    [Fact]
    public async Task ExperimentRegister_CreatesTheProject_AndSuffixesATakenNameUnlessUpdating()
    {
        var api = await app.NewTenantAsync();
        var projectName = ApiClient.Unique("p");
        var first = (await api.PostAsync("/api/experiment/register",
            new { project_name = projectName, org_id = api.OrgId, experiment_name = "run", metadata = new { a = 1 }, ancestor_commits = Array.Empty<string>() })).AssertOk().Json;
        Assert.Equal(projectName, (string)first["project"]!["name"]!);
        var experiment = first["experiment"]!;
        Assert.Equal("run", (string)experiment["name"]!);
        Assert.NotNull((string?)experiment["created"]);
        Assert.Null(experiment["base_exp_id"]);
        Assert.Equal(1, (int)experiment["metadata"]!["a"]!);

        var second = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, experiment_name = "run" })).AssertOk().Json["experiment"]!;
        Assert.NotEqual((string)experiment["id"]!, (string)second["id"]!);
        Assert.NotEqual("run", (string)second["name"]!);

        var reopened = (await api.PostAsync("/api/experiment/register",
            new { project_id = (string)first["project"]!["id"]!, experiment_name = "run", update = true })).AssertOk().Json["experiment"]!;
        Assert.Equal((string)experiment["id"]!, (string)reopened["id"]!);

        var unnamed = (await api.PostAsync("/api/experiment/register", new { project_name = projectName })).AssertOk().Json["experiment"]!;
        Assert.False(string.IsNullOrEmpty((string?)unnamed["name"]));

        (await api.PostAsync("/api/experiment/register", new { experiment_name = "x" })).AssertError(HttpStatusCode.BadRequest, "project_name");
        (await api.PostAsync("/api/experiment/register", new { project_name = projectName, update = "yes" })).AssertError(HttpStatusCode.BadRequest, "update");
        (await api.PostAsync("/api/experiment/register", new { project_name = projectName, dataset_id = "nope" })).AssertError(HttpStatusCode.BadRequest, "dataset_id");
    }

    [Fact]
    public async Task ExperimentRegister_FindsTheBaseExperiment_ByIdNameOrAncestorCommit()
    {
        var api = await app.NewTenantAsync();
        var projectName = ApiClient.Unique("p");
        var baseline = (await api.PostAsync("/api/experiment/register",
            new { project_name = projectName, experiment_name = "baseline", repo_info = new { commit = "c1" } })).AssertOk().Json["experiment"]!;
        var baseId = (string)baseline["id"]!;

        var byName = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, base_experiment = "baseline" })).AssertOk().Json;
        Assert.Equal(baseId, (string)byName["experiment"]!["base_exp_id"]!);
        var byId = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, base_exp_id = baseId })).AssertOk().Json;
        Assert.Equal(baseId, (string)byId["experiment"]!["base_exp_id"]!);
        var byCommit = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, ancestor_commits = new[] { "c3", "c1" } })).AssertOk().Json;
        Assert.Equal(baseId, (string)byCommit["experiment"]!["base_exp_id"]!);

        // The SDK retries without base_experiment when the error says "base experiment".
        (await api.PostAsync("/api/experiment/register", new { project_name = projectName, base_experiment = "missing" }))
            .AssertError(HttpStatusCode.BadRequest, "base experiment");
        (await api.PostAsync("/api/experiment/register", new { project_name = projectName, base_exp_id = Guid.NewGuid() }))
            .AssertError(HttpStatusCode.BadRequest, "base_exp_id");
    }

    [Fact]
    public async Task BaseExperimentGetId_Is400WithoutABase_AndNamesTheBaseOtherwise()
    {
        var api = await app.NewTenantAsync();
        var projectName = ApiClient.Unique("p");
        var first = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, experiment_name = "a" })).AssertOk().Json["experiment"]!;
        (await api.PostAsync("/api/base_experiment/get_id", new { id = (string)first["id"]! })).AssertStatus(HttpStatusCode.BadRequest);

        var second = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, experiment_name = "b", base_experiment = "a" })).AssertOk().Json["experiment"]!;
        var found = (await api.PostAsync("/api/base_experiment/get_id", new { id = (string)second["id"]! })).AssertOk().Json;
        Assert.Equal((string)first["id"]!, (string)found["base_exp_id"]!);
        Assert.Equal("a", (string)found["base_exp_name"]!);

        (await api.PostAsync("/api/base_experiment/get_id", new { id = Guid.NewGuid() })).AssertStatus(HttpStatusCode.NotFound);
        (await api.PostAsync("/api/base_experiment/get_id", new { })).AssertError(HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task ExperimentGet_FindsByProjectAndName_AndAnswersAnEmptyArrayOtherwise()
    {
        var api = await app.NewTenantAsync();
        var projectName = ApiClient.Unique("p");
        var created = (await api.PostAsync("/api/experiment/register", new { project_name = projectName, experiment_name = "e" })).AssertOk().Json;
        var found = (await api.PostAsync("/api/experiment/get", new { project_name = projectName, org_name = api.OrgName, experiment_name = "e" })).AssertOk().Json.AsArray();
        var experiment = Assert.Single(found)!;
        Assert.Equal((string)created["experiment"]!["id"]!, (string)experiment["id"]!);
        Assert.Equal((string)created["project"]!["id"]!, (string)experiment["project_id"]!);
        Assert.Equal("e", (string)experiment["name"]!);

        Assert.Empty((await api.PostAsync("/api/experiment/get", new { project_name = projectName, experiment_name = "nope" })).AssertOk().Json.AsArray());
        Assert.Empty((await api.PostAsync("/api/experiment/get", new { project_name = "no-such-project", experiment_name = "e" })).AssertOk().Json.AsArray());
    }

    [Fact]
    public async Task DatasetRegister_IsGetOrCreate_AndObjectInfoNamesItsProject()
    {
        var api = await app.NewTenantAsync();
        var projectName = ApiClient.Unique("p");
        var created = (await api.PostAsync("/api/dataset/register",
            new { org_id = api.OrgId, project_name = projectName, dataset_name = "d", description = "first", metadata = new { k = "v" } })).AssertOk().Json;
        Assert.Equal(projectName, (string)created["project"]!["name"]!);
        Assert.Equal("d", (string)created["dataset"]!["name"]!);
        var datasetId = (string)created["dataset"]!["id"]!;
        var again = (await api.PostAsync("/api/dataset/register", new { project_id = (string)created["project"]!["id"]!, dataset_name = "d" })).AssertOk().Json;
        Assert.Equal(datasetId, (string)again["dataset"]!["id"]!);
        Assert.Equal("first", (string)again["dataset"]!["description"]!);

        var info = (await api.PostAsync("/api/self/get_object_info", new { object_type = "dataset", object_ids = new[] { datasetId, Guid.NewGuid().ToString() } }))
            .AssertOk().Json.AsArray();
        var only = Assert.Single(info)!;
        Assert.Equal(datasetId, (string)only["object_id"]!);
        Assert.Equal("d", (string)only["object_name"]!);
        Assert.Equal(projectName, (string)only["parent_cols"]!["project"]!["name"]!);

        (await api.PostAsync("/api/dataset/register", new { project_name = projectName })).AssertError(HttpStatusCode.BadRequest, "dataset_name");
        (await api.PostAsync("/api/self/get_object_info", new { object_type = "thing", object_ids = new[] { datasetId } })).AssertError(HttpStatusCode.BadRequest, "object_type");
        (await api.PostAsync("/api/self/get_object_info", new { object_type = "dataset", object_ids = new[] { "x" } })).AssertError(HttpStatusCode.BadRequest, "object_ids");
    }
}
