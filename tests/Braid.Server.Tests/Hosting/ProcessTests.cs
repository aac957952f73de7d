using System.Net;
using Braid.Server.Tests.Infrastructure;

namespace Braid.Server.Tests.Hosting;

/// <summary>
/// The real executable, as a user runs it: started with only <c>--urls</c> (and the store's URL on PostgreSQL),
/// in an empty working directory, killed and started again.
/// </summary>
public sealed class ProcessTests(ProcessWorkspace workspace) : IClassFixture<ProcessWorkspace>
{
    [Fact]
    public async Task FirstStart_PrintsAKeyThatWorks_AndDataSurvivesAKill()
    {
        string projectId;
        int port;
        using (var server = await workspace.StartAsync(null, "--Braid:MaxRequestBodyBytes=4096"))
        {
            port = server.Port;
            var key = workspace.InitialKey;
            Assert.Contains(key, server.Output, StringComparison.Ordinal);
            var api = server.Client(key);
            var first = (await api.PostAsync("/v1/project", new { name = "p" })).AssertOk();
            var second = (await api.PostAsync("/v1/project", new { name = "p" })).AssertOk();
            Assert.Equal(first.Id, second.Id);
            Assert.Equal("true", second.Header("x-bt-found-existing"));
            projectId = first.Id;

            // Kestrel enforces the body limit on streamed (chunked) bodies too, still as a JSON 413.
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/v1/project");
            request.Headers.Authorization = new("Bearer", key);
            var pipe = new System.IO.Pipelines.Pipe();
            await pipe.Writer.WriteAsync(new byte[8192]);
            await pipe.Writer.CompleteAsync();
            request.Content = new StreamContent(pipe.Reader.AsStream());
            using var tooLarge = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Null(request.Content.Headers.ContentLength);
            Assert.Contains("larger than the limit of 4096 bytes", await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var restarted = await workspace.StartAsync(port))
        {
            var key = workspace.InitialKey;
            Assert.DoesNotContain(key, restarted.Output, StringComparison.Ordinal);
            var api = restarted.Client(key);
            Assert.Equal("p", (string)(await api.GetAsync($"/v1/project/{projectId}")).AssertOk().Json["name"]!);

            // `keys create` mints a key for another organization against the same store, while the server runs.
            var minted = await ServerProcess.RunCliAsync(workspace.Directory, workspace.DatabaseUrl, "keys", "create", "--org", "second-org", "--user", "ana@example.com");
            var other = restarted.Client(minted.Trim());
            Assert.Empty((await other.GetAsync("/v1/project")).AssertOk().Objects);
            (await other.GetAsync($"/v1/project/{projectId}")).AssertStatus(HttpStatusCode.NotFound);
        }
    }
}
