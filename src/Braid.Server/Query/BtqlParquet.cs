using System.Text.Json;
using Braid.Query.Planning;
using Braid.Server.Query.Parquet;
using Braid.Storage.Query;

namespace Braid.Server.Query;

/// <summary>
/// <c>fmt: "parquet"</c> answers of <c>POST /btql</c>: the page as one Parquet file, its cursor in <c>x-bt-cursor</c>.
/// Whole rows use the fixed event-row columns, so every page of a log has the same schema; projections and summaries
/// get columns inferred from the page (named, as text, when the page is empty).
/// </summary>
public static class BtqlParquet
{
    public static async Task WriteAsync(HttpContext http, QueryRunner runner, CompiledQuery compiled, ResolvedSource resolved)
    {
        // The page is held so its columns can be inferred and its cursor sent as a header; it is bounded by the limit.
        var rows = new List<JsonElement>();
        var cursor = await runner.RunAsync(compiled, resolved.IdentityByObject, row =>
        {
            rows.Add(JsonDocument.Parse(row).RootElement);
            return ValueTask.CompletedTask;
        }, http.RequestAborted);

        var columns = compiled.Layout switch
        {
            RowLayout.Spans => ParquetColumns.EventRow,
            _ when rows.Count > 0 => ParquetColumns.Infer(rows),
            RowLayout.Columns => compiled.Columns.Select(c => new ParquetColumn(c.Name, ParquetKind.String)).ToList(),
            _ => [new ParquetColumn("id", ParquetKind.String)],
        };
        http.Response.ContentType = "application/vnd.apache.parquet";
        if (cursor is not null)
        {
            http.Response.Headers["x-bt-cursor"] = cursor;
        }

        await using var writer = await ParquetRowWriter.CreateAsync(http.Response.Body, columns, http.RequestAborted);
        await writer.WriteRowGroupAsync(rows, http.RequestAborted);
    }
}
