using System.Text.Json.Nodes;
using Braid.Query.Syntax;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Server.Query;
using Braid.Storage.Blobs;
using Braid.Storage.Objects;
using Braid.Storage.Query;
using Braid.Storage.Tenancy;

namespace Braid.Server.Automations;

/// <summary>
/// <c>async_query</c> automations: the query (SQL or BTQL) runs once in the background, as its
/// <c>created_by_user_id</c>, over the object the config names, with no row limit unless the query sets one, and its
/// rows are written as JSON lines in parts of at most <c>batch_size</c> rows to the blob store. The result is read
/// with <c>GET /v1/project_automation/{id}/result</c>; <c>POST .../reset</c> runs the query again.
/// </summary>
public sealed class AsyncQueries(ObjectStore objects, QueryRunner runner, BlobStore blobs, TenantStore tenants, Access access)
{
    private const int DefaultPartRows = 100_000;

    private const int PageRows = 1000;

    /// <summary>Where part <paramref name="part"/> of an async query's result lives in the blob store.</summary>
    public static string PartBlob(string orgId, string automationId, int part) => $"async-queries/{orgId}/{automationId}/part-{part:D5}.jsonl";

    public async Task RunAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        var automation = run.Automation;
        var config = automation.Config;
        var principal = await automation.PrincipalAsync(tenants, JsonBody.Text(config["created_by_user_id"]));
        var query = BtqlApi.Parse(config["query"] ?? JsonValue.Create(""));
        var resolved = await QuerySources.ResolveAsync(objects, automation.OrgId, principal.OrgName, query.From);
        var objectId = JsonBody.Text(config["object_id"]);
        if (resolved.Source.ObjectType != JsonBody.Text(config["object_type"]) || !resolved.Source.Objects.Any(o => o.Id == objectId))
        {
            throw ApiException.BadRequest($"config.query: reads {query.From.Source}({string.Join(", ", query.From.Ids)}), not the config's {JsonBody.Text(config["object_type"])} '{objectId}'");
        }

        await BtqlApi.RequireReadAsync(access, principal, resolved);
        var partRows = (int)Math.Clamp(JsonBody.Number(config["batch_size"]) ?? DefaultPartRows, 1, 100_000);
        var parts = new JsonArray();
        var part = new Part(blobs, PartBlob(automation.OrgId, automation.Id, 0));
        try
        {
            await QueryPages.RunAllAsync(runner, query, resolved, PageRows, async row =>
            {
                if (part.Rows == partRows)
                {
                    parts.Add(await part.PublishAsync(cancellationToken));
                    part = new Part(blobs, PartBlob(automation.OrgId, automation.Id, parts.Count));
                }

                part.Add(row);
                run.Rows++;
            }, () => Task.CompletedTask, cancellationToken);
        }
        catch (QueryError e)
        {
            throw ApiException.BadRequest($"config.query: {e.Message}");
        }

        parts.Add(await part.PublishAsync(cancellationToken));
        run.State["parts"] = parts;
        run.State["rows"] = run.Rows;
        run.Done = true;
        run.Detail["parts"] = parts.Count;
    }

    /// <summary>One part of the result, written to a temporary file and stored as a blob when full.</summary>
    private sealed class Part(BlobStore blobs, string key)
    {
        private readonly string _file = Path.Combine(Path.GetTempPath(), $"braid-async-query-{Guid.NewGuid():N}.jsonl");
        private FileStream? _output;
        private JsonLinesSink? _sink;

        public long Rows => _sink?.Rows ?? 0;

        public void Add(string row)
        {
            _output ??= new FileStream(_file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            _sink ??= new JsonLinesSink(_output);
            _sink.Add(row);
        }

        public async Task<JsonObject> PublishAsync(CancellationToken cancellationToken)
        {
            try
            {
                _output ??= new FileStream(_file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
                if (_sink is not null)
                {
                    await _sink.CompleteAsync(cancellationToken);
                }

                _output.Position = 0;
                await blobs.WriteAsync(key, _output, long.MaxValue, cancellationToken);
                return new JsonObject { ["key"] = key, ["rows"] = Rows };
            }
            finally
            {
                await _output!.DisposeAsync();
                File.Delete(_file);
            }
        }
    }
}
