using System.Globalization;
using System.Text.Json.Nodes;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Server.AccessControl;
using Braid.Server.Http;
using Braid.Server.Query;
using Braid.Server.Query.Parquet;
using Braid.Storage.Automations;
using Braid.Storage.Objects;
using Braid.Storage.Query;
using Braid.Storage.Scoring;
using Braid.Storage.Tenancy;
using Microsoft.Extensions.Options;

namespace Braid.Server.Automations;

/// <summary>
/// <c>btql_export</c> automations: a project's log spans (<c>log_spans</c>), its traces as summary rows
/// (<c>log_traces</c>), or a BTQL query's rows (<c>btql_query</c>), written as JSON lines or Parquet files under the
/// export path in a Hive-style layout, <c>date=YYYY-MM-DD/part-FROM-THROUGH.ext</c>.
/// <para>
/// Exactly once: the export's cursor is a point in commit order (a row version's event_history seq). A batch is
/// planned as the range (cursor, through] of at most <c>batch_size</c> rows, and the plan, with its file name, is saved
/// before any file is written. The batch's rows are those whose newest version lies in the range; that set can only
/// lose rows later (a row updated afterwards moves to a later range), never gain them. The file is published whole
/// (<see cref="ExportTarget"/>), then the cursor moves past the range. A run killed at any point is resumed by the
/// next run (on any node) from the saved plan: it writes the same file name again, replacing whatever was published,
/// so no row is exported twice and none is skipped. A row updated after it was exported is exported again, as its new
/// version (a later <c>_xact_id</c>), in the range of that version.
/// </para>
/// </summary>
public sealed class Exports(
    ObjectStore objects, QueryRunner runner, AutomationStore store, OnlineScoringStore versions, TenantStore tenants, Access access,
    IOptions<ServerOptions> options, TimeProvider clock)
{
    private const int DefaultBatchRows = 10_000;

    // Batches per run; a larger backlog continues in the next run, which is due at once.
    private const int MaxBatchesPerRun = 10;

    public async Task RunAsync(AutomationRun run, CancellationToken cancellationToken)
    {
        var config = run.Automation.Config;
        var target = ExportTarget.Parse(JsonBody.Text(config["export_path"]) ?? "", options.Value);
        var parquet = JsonBody.Text(config["format"]) == "parquet";
        var batchRows = (int)Math.Clamp(JsonBody.Number(config["batch_size"]) ?? DefaultBatchRows, 1, 1_000_000);
        var (query, resolved) = await QueryAsync(run.Automation);
        var log = resolved.Logs[0].Object;
        var files = new JsonArray();
        run.Detail["files"] = files;

        for (var batch = 0; batch < MaxBatchesPerRun; batch++)
        {
            // A plan saved by an earlier run that did not finish it is redone exactly as planned.
            var resumed = run.State["pending"] is JsonObject;
            if (run.State["pending"] is not JsonObject pending)
            {
                var cursor = (long?)JsonBody.Number(run.State["cursor"]) ?? 0;
                // A full batch ends at its last row; a short one at the newest version written, unless nothing is new.
                var through = await store.BatchEndAsync(log.TypeName, log.Id, cursor, batchRows);
                if (through is null)
                {
                    if (await store.BatchEndAsync(log.TypeName, log.Id, cursor, 1) is null)
                    {
                        return;
                    }

                    through = await versions.LastSeqAsync();
                }

                var date = clock.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                pending = new JsonObject
                {
                    ["from"] = cursor,
                    ["through"] = through,
                    ["file"] = $"date={date}/part-{cursor:D20}-{through:D20}.{(parquet ? "parquet" : "jsonl")}",
                };
                run.State["pending"] = pending;
                await run.SaveAsync();
            }

            var from = (long)JsonBody.Number(pending["from"])!;
            var end = (long)JsonBody.Number(pending["through"])!;
            var file = JsonBody.Text(pending["file"])!;
            var written = await WriteBatchAsync(query, resolved, target, file, from, end, parquet, publishEmpty: resumed, cancellationToken);
            run.Rows += written;
            if (written > 0 || resumed)
            {
                files.Add($"{target.Root.TrimEnd('/')}/{file}");
            }

            run.State["cursor"] = end;
            run.State.Remove("pending");
            await run.SaveAsync();
        }

        run.MoreToDo = true;
    }

    /// <summary>The export's query, run as the automation's creator, who must still be able to read its source.</summary>
    private async Task<(ParsedQuery Query, ResolvedSource Resolved)> QueryAsync(Automation automation)
    {
        var definition = automation.Config["export_definition"] as JsonObject ?? [];
        var project = automation.ProjectId;
        var text = JsonBody.Text(definition["type"]) switch
        {
            "log_spans" => $"select: * | from: project_logs('{project}') spans",
            "log_traces" => $"select: * | from: project_logs('{project}') summary",
            _ => JsonBody.Text(definition["btql_query"]) ?? "",
        };
        var query = BtqlApi.Parse(JsonValue.Create(text));
        var principal = await automation.PrincipalAsync(tenants);
        var resolved = await QuerySources.ResolveAsync(objects, automation.OrgId, principal.OrgName, query.From);
        if (resolved.Logs.Count != 1)
        {
            throw ApiException.BadRequest("export_definition.btql_query: an export reads one project's logs, one experiment or one dataset");
        }

        await BtqlApi.RequireReadAsync(access, principal, resolved);
        return (query, resolved);
    }

    private async Task<long> WriteBatchAsync(
        ParsedQuery query, ResolvedSource resolved, ExportTarget target, string file, long from, long through, bool parquet, bool publishEmpty,
        CancellationToken cancellationToken)
    {
        // The rows whose newest version is in (from, through]: a range of the pagination key, which is the seq.
        var key = new FieldPath([new NameSegment("_pagination_key")]);
        Expr range = new LogicalExpr(LogicalOperator.And,
        [
            new BinaryExpr(BinaryOperator.Greater, key, new StringLiteral($"p{from:D20}")),
            new BinaryExpr(BinaryOperator.LessOrEqual, key, new StringLiteral($"p{through:D20}")),
        ]);
        var filtered = query with { Filter = query.Filter is null ? range : new LogicalExpr(LogicalOperator.And, [query.Filter, range]) };

        RowLayout layout;
        try
        {
            layout = QueryCompiler.Compile(filtered, resolved.Source, runner.Dialect, new QueryOptions()).Layout;
        }
        catch (QueryError e)
        {
            throw ApiException.BadRequest($"export_definition: {e.Message}");
        }

        var temporary = target.TemporaryFile(file);
        try
        {
            long rows;
            await using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                // Whole spans use the fixed event-row columns, so every file of an export has one schema.
                RowSink sink = parquet
                    ? new ParquetSink(output, layout == RowLayout.Spans ? ParquetColumns.EventRow : null)
                    : new JsonLinesSink(output);
                await QueryPages.RunAllAsync(runner, filtered, resolved, 1000, row =>
                {
                    sink.Add(row);
                    return ValueTask.CompletedTask;
                }, () => sink.EndPageAsync(cancellationToken), cancellationToken);

                await sink.CompleteAsync(cancellationToken);
                rows = sink.Rows;
            }

            // A batch whose rows a filter left out writes no file, unless it redoes a plan: then an earlier run may have
            // published rows that have since moved to a later range, and the empty file replaces them.
            if (rows > 0 || publishEmpty)
            {
                await target.PublishAsync(temporary, file, cancellationToken);
            }

            return rows;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
