using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Braid.Server.Tests.Infrastructure;
using Braid.Server.Tests.Secrets;
using Braid.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Braid.Server.Tests.Tenancy;

public sealed class KeysTests(BraidApp app) : IClassFixture<BraidApp>
{
    [Fact]
    public async Task ApiKeyList_ShowsTheOrganizationsKeys_WithoutSecrets()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);
        var stranger = await app.NewTenantAsync();

        var list = await api.GetAsync("/v1/api_key");
        var keys = list.AssertOk().Objects;
        Assert.Equal([member.Key!.Id, api.Key!.Id], keys.Select(k => (string)k["id"]!));
        Assert.Equal(api.UserId(), (string)keys[1]["user_id"]!);
        Assert.Equal(api.Key.User.Email, (string)keys[1]["user_email"]!);
        Assert.Equal(api.OrgId, (string)keys[1]["org_id"]!);
        Assert.Equal(api.Key.PreviewName, (string)keys[1]["preview_name"]!);
        Assert.DoesNotContain(api.Key.Key, list.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("key_hash", list.Body, StringComparison.Ordinal);
        Assert.Null(keys[1]["key"]);

        Assert.Equal("member key", (string)(await api.GetAsync("/v1/api_key?api_key_name=member key")).AssertOk().Objects.Single()["name"]!);
        Assert.Single((await api.GetAsync($"/v1/api_key?ids={api.Key.Id}")).AssertOk().Objects);
        Assert.Equal(api.Key.Id, (await api.GetAsync($"/v1/api_key/{api.Key.Id}")).AssertOk().Id);
        (await api.GetAsync($"/v1/api_key/{stranger.Key!.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.DeleteAsync($"/v1/api_key/{stranger.Key.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Empty((await api.GetAsync($"/v1/api_key?ids={stranger.Key.Id}")).AssertOk().Objects);
        (await stranger.GetAsync("/v1/project")).AssertOk();
    }

    [Fact]
    public async Task DeletingAnApiKey_RevokesIt()
    {
        var api = await app.NewTenantAsync();
        var member = await app.AddMemberAsync(api);

        var deleted = (await api.DeleteAsync($"/v1/api_key/{member.Key!.Id}")).AssertOk();
        Assert.Equal(member.Key.Id, deleted.Id);
        (await member.GetAsync("/v1/project")).AssertError(HttpStatusCode.Unauthorized, "invalid API key");
        (await api.GetAsync($"/v1/api_key/{member.Key.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.DeleteAsync($"/v1/api_key/{member.Key.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Single((await api.GetAsync("/v1/api_key")).AssertOk().Objects);
        (await api.GetAsync("/v1/project")).AssertOk();
    }

    [Fact]
    public async Task LegacyPost_MintsAKeyForTheCaller_ShownOnce()
    {
        var api = await app.NewTenantAsync();
        // POST /v1/api_key left the spec in 2026-04 (the peer tests still use it), so the contract check cannot apply.
        var (status, created) = await SendUncheckedAsync(api, HttpMethod.Post, "/v1/api_key", """{"name":"laptop"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var raw = (string)created["key"]!;
        Assert.StartsWith("sk-", raw, StringComparison.Ordinal);
        Assert.Equal("laptop", (string)created["name"]!);
        Assert.Equal(api.UserId(), (string)created["user_id"]!);
        Assert.EndsWith(raw[^4..], (string)created["preview_name"]!, StringComparison.Ordinal);

        Assert.Equal(api.OrgId, (string)(await app.Anonymous(raw).GetAsync("/v1/organization")).AssertOk().Objects.Single()["id"]!);
        var listed = await api.GetAsync($"/v1/api_key/{(string)created["id"]!}");
        Assert.DoesNotContain(raw, listed.AssertOk().Body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await SendUncheckedAsync(api, HttpMethod.Post, "/v1/api_key", "{}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendUncheckedAsync(api, HttpMethod.Post, "/v1/api_key", """{"name":3}""")).Status);
    }

    [Fact]
    public async Task RawKeys_AreNeverStored_OnlyTheirHashes()
    {
        var api = await app.NewTenantAsync();
        var members = (await api.PatchAsync("/v1/organization/members", new
        {
            invite_users = new { service_accounts = new[] { new { name = "robot", token_name = "first" } } },
        })).AssertOk();
        var account = (string)members.Json["added_users"]![0]!["id"]!;
        var raws = new List<string>
        {
            api.Key!.Key,
            (string)members.Json["added_users"]![0]!["api_key"]!,
            (string)(await api.PostAsync("/v1/service_token", new { name = "t", service_account_id = account })).AssertOk().Json["key"]!,
            (string)(await api.SendAsync(HttpMethod.Put, "/v1/service_token", ApiClient.Serialize(new { name = "u", service_account_id = account })))
                .AssertOk().Json["key"]!,
            (string)(await SendUncheckedAsync(api, HttpMethod.Post, "/v1/api_key", """{"name":"k"}""")).Body["key"]!,
        };

        await using var connection = await app.Services.GetRequiredService<Database>().OpenAsync();
        var hashes = (await connection.QueryAsync<string>("SELECT key_hash FROM api_keys WHERE org_id = @OrgId", new { api.OrgId })).ToList();
        foreach (var raw in raws)
        {
            Assert.False(await StoreScan.ContainsAsync(app, raw), $"a raw key is stored on {TestStore.Name}");
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw))), hashes);
        }

        Assert.True(await StoreScan.ContainsAsync(app, api.Key.PreviewName), $"the store scan found nothing on {TestStore.Name}");
    }

    [Fact]
    public async Task ServiceToken_IsMintedForAServiceAccountOfTheOrganization_AndAuthenticates()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var account = await ServiceAccountAsync(api);
        var theirs = await ServiceAccountAsync(stranger);

        var created = (await api.PostAsync("/v1/service_token", new { name = "deploy", service_account_id = account })).AssertOk();
        var raw = (string)created.Json["key"]!;
        Assert.StartsWith("bt-st-", raw, StringComparison.Ordinal);
        Assert.Equal(account, (string)created.Json["service_account_id"]!);
        Assert.Equal("robot", (string)created.Json["service_account_name"]!);
        Assert.Equal(api.OrgId, (string)created.Json["org_id"]!);
        Assert.Equal(api.OrgId, (string)(await app.Anonymous(raw).GetAsync("/v1/organization")).AssertOk().Objects.Single()["id"]!);

        // POST never deduplicates: a second token of the same name is another token.
        var second = (await api.PostAsync("/v1/service_token", new { name = "deploy", service_account_id = account })).AssertOk();
        Assert.NotEqual(created.Id, second.Id);

        (await api.PostAsync("/v1/service_token", new { name = "x", service_account_id = api.UserId() }))
            .AssertError(HttpStatusCode.BadRequest, "service_account_id");
        (await api.PostAsync("/v1/service_token", new { name = "x", service_account_id = theirs }))
            .AssertError(HttpStatusCode.BadRequest, "service_account_id");
        (await api.PostAsync("/v1/service_token", new { service_account_id = account })).AssertError(HttpStatusCode.BadRequest, "name");
        (await api.PostAsync("/v1/service_token", new { name = "x" })).AssertError(HttpStatusCode.BadRequest, "service_account_id");
        (await api.PostAsync("/v1/service_token", new { name = "x", service_account_id = "bot" })).AssertError(HttpStatusCode.BadRequest, "service_account_id");
    }

    [Fact]
    public async Task ServiceTokensAndApiKeys_AreListedApart_WithoutSecrets()
    {
        var api = await app.NewTenantAsync();
        var account = await ServiceAccountAsync(api);
        var token = (await api.PostAsync("/v1/service_token", new { name = "ci", service_account_id = account })).AssertOk();

        var tokens = await api.GetAsync("/v1/service_token");
        Assert.Equal([token.Id], tokens.AssertOk().Objects.Select(t => (string)t["id"]!));
        Assert.DoesNotContain((string)token.Json["key"]!, tokens.Body, StringComparison.Ordinal);
        Assert.Null(tokens.Objects[0]["key"]);
        Assert.Equal([api.Key!.Id], (await api.GetAsync("/v1/api_key")).AssertOk().Objects.Select(k => (string)k["id"]!));
        Assert.Single((await api.GetAsync("/v1/service_token?service_token_name=ci")).AssertOk().Objects);
        Assert.Empty((await api.GetAsync("/v1/service_token?service_token_name=cd")).AssertOk().Objects);
        (await api.GetAsync($"/v1/service_token/{api.Key.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await api.GetAsync($"/v1/api_key/{token.Id}")).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal(token.Id, (await api.GetAsync($"/v1/service_token/{token.Id}")).AssertOk().Id);
    }

    [Fact]
    public async Task ServiceTokenPut_RotatesTheNamedTokenUnderItsId()
    {
        var api = await app.NewTenantAsync();
        var account = await ServiceAccountAsync(api);
        var body = ApiClient.Serialize(new { name = "rotating", service_account_id = account });
        var first = (await api.SendAsync(HttpMethod.Put, "/v1/service_token", body)).AssertOk();
        Assert.Null(first.Header("x-bt-found-existing"));

        var second = (await api.SendAsync(HttpMethod.Put, "/v1/service_token", body)).AssertOk();
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("true", second.Header("x-bt-found-existing"));
        Assert.NotEqual((string)first.Json["key"]!, (string)second.Json["key"]!);
        (await app.Anonymous((string)first.Json["key"]!).GetAsync("/v1/project")).AssertStatus(HttpStatusCode.Unauthorized);
        (await app.Anonymous((string)second.Json["key"]!).GetAsync("/v1/project")).AssertOk();
        Assert.Single((await api.GetAsync("/v1/service_token")).AssertOk().Objects);
    }

    [Fact]
    public async Task ServiceTokenDelete_ByIdOrByBody_RevokesIt()
    {
        var api = await app.NewTenantAsync();
        var stranger = await app.NewTenantAsync();
        var account = await ServiceAccountAsync(api);
        var a = (await api.PostAsync("/v1/service_token", new { name = "a", service_account_id = account })).AssertOk();
        var b = (await api.PostAsync("/v1/service_token", new { name = "b", service_account_id = account })).AssertOk();

        (await stranger.DeleteAsync($"/v1/service_token/{a.Id}")).AssertStatus(HttpStatusCode.NotFound);
        (await stranger.SendAsync(HttpMethod.Delete, "/v1/service_token", ApiClient.Serialize(new { id = b.Id }))).AssertStatus(HttpStatusCode.NotFound);
        Assert.Equal(a.Id, (await api.DeleteAsync($"/v1/service_token/{a.Id}")).AssertOk().Id);
        Assert.Equal(b.Id, (await api.SendAsync(HttpMethod.Delete, "/v1/service_token", ApiClient.Serialize(new { id = b.Id }))).AssertOk().Id);
        (await app.Anonymous((string)a.Json["key"]!).GetAsync("/v1/project")).AssertStatus(HttpStatusCode.Unauthorized);
        (await app.Anonymous((string)b.Json["key"]!).GetAsync("/v1/project")).AssertStatus(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Delete, "/v1/service_token", "{}")).AssertError(HttpStatusCode.BadRequest, "id");
        (await api.SendAsync(HttpMethod.Delete, "/v1/service_token", """{"id":"x"}""")).AssertError(HttpStatusCode.BadRequest, "id");
        Assert.Empty((await api.GetAsync("/v1/service_token")).AssertOk().Objects);
    }

    private static async Task<string> ServiceAccountAsync(ApiClient api) =>
        (string)(await api.PatchAsync("/v1/organization/members", new { invite_users = new { service_accounts = new[] { new { name = "robot" } } } }))
            .AssertOk().Json["added_users"]![0]!["id"]!;

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendUncheckedAsync(ApiClient api, HttpMethod method, string path, string body)
    {
        using var http = app.CreateClient();
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", api.Key!.Key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }
}
