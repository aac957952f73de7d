using System.Text;
using System.Text.Json;
using Braid.Server.Query.Parquet;

namespace Braid.Server.Query;

/// <summary>
/// Where the rows of a query's pages go when they are written to a file (<c>braid export</c>, export automations,
/// async queries). After a failure a sink is dropped, not completed: the file is deleted, so a flush or a Parquet
/// footer would be wasted work and, on a full disk, a second failure hiding the first.
/// </summary>
public abstract class RowSink
{
    public long Rows { get; private set; }

    public void Add(string row)
    {
        Rows++;
        Write(row);
    }

    public abstract Task EndPageAsync(CancellationToken ct);

    /// <summary>Ends the output (Parquet's footer) and flushes it.</summary>
    public abstract Task CompleteAsync(CancellationToken ct);

    protected abstract void Write(string row);
}

/// <summary>One row a line, exactly as <c>fmt: "jsonl"</c> answers.</summary>
public sealed class JsonLinesSink(Stream output) : RowSink
{
    private readonly StreamWriter _writer = new(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true);

    public override Task EndPageAsync(CancellationToken ct) => Task.CompletedTask;

    public override Task CompleteAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    protected override void Write(string row)
    {
        _writer.Write(row);
        _writer.Write('\n');
    }
}

/// <summary>
/// Parquet, one row group (or more) per page. Whole event rows use the fixed event-row columns, so every page and
/// every file of a log has the same schema; other rows (summaries, projections) get columns inferred from the first
/// page, when <paramref name="columns"/> is null.
/// </summary>
public sealed class ParquetSink(Stream output, IReadOnlyList<ParquetColumn>? columns) : RowSink
{
    private readonly List<JsonDocument> _page = [];
    private readonly List<JsonElement> _rows = [];
    private ParquetRowWriter? _writer;

    public override async Task EndPageAsync(CancellationToken ct)
    {
        if (_rows.Count == 0)
        {
            return;
        }

        _writer ??= await ParquetRowWriter.CreateAsync(output, columns ?? ParquetColumns.Infer(_rows), ct);
        await _writer.WriteRowGroupAsync(_rows, ct);

        // The documents' buffers are pooled: returned now, the next page reuses them.
        foreach (var document in _page)
        {
            document.Dispose();
        }

        _page.Clear();
        _rows.Clear();
    }

    public override async Task CompleteAsync(CancellationToken ct)
    {
        // A file without rows still has a schema: the given columns, or just the id.
        _writer ??= await ParquetRowWriter.CreateAsync(output, columns ?? [new ParquetColumn("id", ParquetKind.String)], ct);
        await _writer.DisposeAsync();
    }

    protected override void Write(string row)
    {
        var document = JsonDocument.Parse(row);
        _page.Add(document);
        _rows.Add(document.RootElement);
    }
}
