using System.Net;
using Braid.Server.Tests.Infrastructure;
using static Braid.Server.Tests.Objects.Prompts;

namespace Braid.Server.Tests.Objects;

/// <summary>The versions environments pin (<c>/environment-object</c>); the environments themselves are in <see cref="EnvironmentsTests"/>.</summary>
public sealed class EnvironmentPinsTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task PinningAPromptVersion_IsReadBack_ListedAndServedToEnvironmentReads()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        await EnvironmentAsync(api, "staging");
        var project = await api.CreateProjectAsync("pins");
        var v1 = await CreateAsync(api, (string)project["id"]!, "answer", "stable");
        var id = (string)v1["id"]!;
        var v2 = (await api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = Chat("beta") })).AssertOk().Json;

        var pin = (await PinAsync(api, "prompt", id, "production", Xact(v1))).AssertOk().Json;
        Assert.Equal("prompt", (string)pin["object_type"]!);
        Assert.Equal(id, (string)pin["object_id"]!);
        Assert.Equal(Xact(v1), (string)pin["object_version"]!);
        Assert.Equal("production", (string)pin["environment_slug"]!);
        Assert.True(Guid.TryParse((string)pin["id"]!, out _));

        // The hex form names the same version; the pin answers with the _xact_id.
        Assert.Equal(Xact(v2), (string)(await PinAsync(api, "prompt", id, "staging", Pretty(Xact(v2)))).AssertOk().Json["object_version"]!);

        var read = (await api.GetAsync($"/environment-object/prompt/{id}/production")).AssertOk().Json;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(pin, read), read.ToJsonString());
        var listed = (await api.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects;
        Assert.Equal(["production", "staging"], listed.Select(p => (string)p["environment_slug"]!).Order());

        Assert.Equal("stable", Text((await api.GetAsync($"/v1/prompt/{id}?environment=production")).AssertOk().Json));
        Assert.Equal("beta", Text((await api.GetAsync($"/v1/prompt/{id}?environment=staging")).AssertOk().Json));
        var loaded = (await api.GetAsync("/v1/prompt?project_name=pins&slug=answer&environment=production")).AssertOk().Objects;
        Assert.Equal("stable", Text(Assert.Single(loaded)));
        Assert.Equal(Xact(v1), Xact(loaded[0]));
    }

    [Fact]
    public async Task Repinning_MovesThePin_AndUnpinning_RemovesIt()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var v1 = await CreateAsync(api, (string)(await api.CreateProjectAsync())["id"]!, "moving", "one");
        var id = (string)v1["id"]!;
        var v2 = (await api.PatchAsync($"/v1/prompt/{id}", new { prompt_data = Chat("two") })).AssertOk().Json;

        var first = (await PinAsync(api, "prompt", id, "production", Xact(v1))).AssertOk().Json;
        var moved = (await PinAsync(api, "prompt", id, "production", Xact(v2))).AssertOk().Json;
        Assert.Equal((string)first["id"]!, (string)moved["id"]!);
        Assert.Equal("two", Text((await api.GetAsync($"/v1/prompt/{id}?environment=production")).AssertOk().Json));
        Assert.Single((await api.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects);

        var removed = (await api.DeleteAsync($"/environment-object/prompt/{id}/production")).AssertOk().Json;
        Assert.Equal(Xact(v2), (string)removed["object_version"]!);
        (await api.GetAsync($"/environment-object/prompt/{id}/production")).AssertError(HttpStatusCode.NotFound, "production");
        (await api.DeleteAsync($"/environment-object/prompt/{id}/production")).AssertError(HttpStatusCode.NotFound, "production");
        (await api.GetAsync($"/v1/prompt/{id}?environment=production")).AssertError(HttpStatusCode.NotFound, "production");
        Assert.Empty((await api.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects);
    }

    [Fact]
    public async Task FunctionPins_ServeFunctionReads()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var v1 = (await api.PostAsync("/v1/function", new { project_id = project, name = "g", slug = "g", function_data = new { type = "global", name = "One" } }))
            .AssertOk().Json;
        var id = (string)v1["id"]!;
        (await api.PatchAsync($"/v1/function/{id}", new { function_data = new { name = "Two" } })).AssertOk();

        (await PinAsync(api, "function", id, "production", Xact(v1))).AssertOk();
        Assert.Equal("One", (string)(await api.GetAsync($"/v1/function/{id}?environment=production")).AssertOk().Json["function_data"]!["name"]!);
        Assert.Equal("Two", (string)(await api.GetAsync($"/v1/function/{id}")).AssertOk().Json["function_data"]!["name"]!);
    }

    [Fact]
    public async Task PinningAVersionThePromptNeverHad_Is400()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var mine = await CreateAsync(api, project, "mine");
        var other = await CreateAsync(api, project, "other");
        var id = (string)mine["id"]!;

        (await PinAsync(api, "prompt", id, "production", Xact(other))).AssertError(HttpStatusCode.BadRequest, "object_version");
        (await PinAsync(api, "prompt", id, "production", Shift(Xact(mine), 1))).AssertError(HttpStatusCode.BadRequest, "object_version");
        (await PinAsync(api, "prompt", id, "production", "latest")).AssertError(HttpStatusCode.BadRequest, "object_version");
        (await api.SendAsync(HttpMethod.Put, $"/environment-object/prompt/{id}/production", "{}")).AssertError(HttpStatusCode.BadRequest, "object_version");
        (await api.SendAsync(HttpMethod.Put, $"/environment-object/prompt/{id}/production", """{"object_version":5}"""))
            .AssertError(HttpStatusCode.BadRequest, "object_version");
        Assert.Empty((await api.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects);
    }

    [Fact]
    public async Task DatasetPins_TakeAnyTransactionId_InEitherSpelling()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        await EnvironmentAsync(api, "staging");
        var dataset = (await api.PostAsync("/v1/dataset", new { project_id = (string)(await api.CreateProjectAsync())["id"]!, name = "d" })).AssertOk().Id;

        // Braintrust's documented pair: 81cd05ee665fdfb3 is the display form of 1000192656880881099.
        Assert.Equal("1000192656880881099", (string)(await PinAsync(api, "dataset", dataset, "production", "81cd05ee665fdfb3")).AssertOk().Json["object_version"]!);

        // Sixteen characters are hex even when they are all digits.
        Assert.Equal("1000192656880881984", (string)(await PinAsync(api, "dataset", dataset, "staging", "8454604841533740")).AssertOk().Json["object_version"]!);
        Assert.Equal(
            "1000192656880881099",
            (string)(await api.GetAsync($"/environment-object/dataset/{dataset}/production?org_name={api.OrgName}")).AssertOk().Json["object_version"]!);
    }

    [Theory]
    [InlineData("experiment", HttpStatusCode.BadRequest, "object_type")]
    [InlineData("prompt", HttpStatusCode.NotFound, "prompt")]
    public async Task PinPaths_NamingNoObject_AreRefused(string type, HttpStatusCode status, string mentions)
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var path = $"/environment-object/{type}/{Guid.NewGuid()}";
        (await api.GetAsync(path)).AssertError(status, mentions);
        (await api.GetAsync(path + "/production")).AssertError(status, mentions);
        (await PinAsync(api, type, Guid.NewGuid().ToString(), "production", "1000192656880881099")).AssertError(status, mentions);
        (await api.DeleteAsync(path + "/production")).AssertError(status, mentions);
        (await api.GetAsync("/environment-object/prompt/not-a-uuid")).AssertError(HttpStatusCode.BadRequest, "object_id");
    }

    [Fact]
    public async Task DeletingAnEnvironment_StopsItsPinsResolving_EvenWhenItsSlugIsReused()
    {
        var api = await app.NewTenantAsync();
        var environment = await EnvironmentAsync(api, "production");
        var prompt = await CreateAsync(api, (string)(await api.CreateProjectAsync())["id"]!, "p");
        var id = (string)prompt["id"]!;
        (await PinAsync(api, "prompt", id, "production", Xact(prompt))).AssertOk();

        (await api.DeleteAsync($"/environment/{environment}")).AssertOk();
        (await api.GetAsync($"/environment-object/prompt/{id}/production")).AssertError(HttpStatusCode.NotFound, "production");
        (await api.GetAsync($"/v1/prompt/{id}?environment=production")).AssertError(HttpStatusCode.BadRequest, "environment");
        Assert.Empty((await api.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects);

        await EnvironmentAsync(api, "production");
        (await api.GetAsync($"/environment-object/prompt/{id}/production")).AssertError(HttpStatusCode.NotFound, "production");
        (await api.GetAsync($"/v1/prompt/{id}?environment=production")).AssertError(HttpStatusCode.NotFound, "production");
    }

    [Fact]
    public async Task DeletingThePrompt_HidesItsPins()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var prompt = await CreateAsync(api, (string)(await api.CreateProjectAsync())["id"]!, "p");
        var id = (string)prompt["id"]!;
        (await PinAsync(api, "prompt", id, "production", Xact(prompt))).AssertOk();

        (await api.DeleteAsync($"/v1/prompt/{id}")).AssertOk();
        (await api.GetAsync($"/environment-object/prompt/{id}")).AssertError(HttpStatusCode.NotFound, id);
        (await api.GetAsync($"/environment-object/prompt/{id}/production")).AssertError(HttpStatusCode.NotFound, id);
    }

    [Fact]
    public async Task ListWithEnvironment_MustMatchOnePrompt()
    {
        var api = await app.NewTenantAsync();
        await EnvironmentAsync(api, "production");
        var project = (string)(await api.CreateProjectAsync())["id"]!;
        var older = await CreateAsync(api, project, "older", "old");
        var newer = await CreateAsync(api, project, "newer", "new");
        (await PinAsync(api, "prompt", (string)older["id"]!, "production", Xact(older))).AssertOk();
        (await PinAsync(api, "prompt", (string)newer["id"]!, "production", Xact(newer))).AssertOk();

        (await api.GetAsync($"/v1/prompt?project_id={project}&environment=production")).AssertError(HttpStatusCode.BadRequest, "environment");
        Assert.Equal("new", Text(Assert.Single((await api.GetAsync($"/v1/prompt?project_id={project}&environment=production&limit=1")).AssertOk().Objects)));
        Assert.Equal("old", Text(Assert.Single((await api.GetAsync($"/v1/prompt?project_id={project}&slug=older&environment=production")).AssertOk().Objects)));
        Assert.Empty((await api.GetAsync($"/v1/prompt?project_id={project}&slug=none&environment=production")).AssertOk().Objects);
        (await api.GetAsync($"/v1/prompt?project_id={project}&slug=older&environment=nowhere")).AssertError(HttpStatusCode.BadRequest, "environment");
    }

    [Fact]
    public async Task AnotherOrganizationsPinsAndEnvironments_AreOutOfReach()
    {
        var owner = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        await EnvironmentAsync(owner, "owner-env");
        await EnvironmentAsync(stranger, "stranger-env");
        var prompt = await CreateAsync(owner, (string)(await owner.CreateProjectAsync())["id"]!, "p");
        var id = (string)prompt["id"]!;
        (await PinAsync(owner, "prompt", id, "owner-env", Xact(prompt))).AssertOk();

        // The stranger cannot see or move the owner's pins.
        (await stranger.GetAsync($"/environment-object/prompt/{id}")).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.GetAsync($"/environment-object/prompt/{id}/owner-env")).AssertError(HttpStatusCode.NotFound, id);
        (await PinAsync(stranger, "prompt", id, "stranger-env", Xact(prompt))).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.DeleteAsync($"/environment-object/prompt/{id}/owner-env")).AssertError(HttpStatusCode.NotFound, id);
        (await stranger.GetAsync($"/environment-object/prompt/{id}?org_name={owner.OrgName}")).AssertError(HttpStatusCode.Forbidden, "org_name");

        // Nor can the owner use the stranger's environment.
        (await PinAsync(owner, "prompt", id, "stranger-env", Xact(prompt))).AssertError(HttpStatusCode.NotFound, "stranger-env");
        (await owner.GetAsync($"/v1/prompt/{id}?environment=stranger-env")).AssertError(HttpStatusCode.BadRequest, "stranger-env");
        Assert.Equal("owner-env", (string)Assert.Single((await owner.GetAsync($"/environment-object/prompt/{id}")).AssertOk().Objects)["environment_slug"]!);
    }
}
