using System.Text.Json;
using Braid.Server.Query.Parquet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ParquetSharp;
using static Braid.Server.Tests.Query.Parquet.ParquetColumnsTests;

namespace Braid.Server.Tests.Query.Parquet;

/// <summary>Files written by <see cref="ParquetRowWriter"/>, read back by ParquetSharp (Apache Arrow C++).</summary>
public sealed class ParquetRowWriterTests
{
    private const string Unicode = "héllo wörld ✓ 日本語 😀 \u05e9\u05dc\u05d5\u05dd e\u0301 \uff61";

    [Fact]
    public async Task Page_EveryKind_ReadsBackTypedAndExact()
    {
        var rows = Rows($$$"""
            [
              {"name": "a", "count": 1, "score": 0.5, "ok": true, "input": {"messages": [{"role": "user", "content": "hi"}], "n": null}},
              {"name": null, "count": -9223372036854775808, "score": 2, "ok": false, "input": [1, "two", {"three": 3}]},
              {"name": "{{{Unicode}}}", "count": 9223372036854775807, "input": "just text"},
              {"extra_key": "only here", "input": 7}
            ]
            """);
        var columns = ParquetColumns.Infer(rows);

        var file = ParquetFile.Read(await WriteAsync(columns, rows));

        Assert.Equal(
            [
                new("name", PhysicalType.ByteArray, LogicalTypeEnum.String, true),
                new("count", PhysicalType.Int64, LogicalTypeEnum.Int, true),
                new("score", PhysicalType.Double, LogicalTypeEnum.None, true),
                new("ok", PhysicalType.Boolean, LogicalTypeEnum.None, true),
                new("input", PhysicalType.ByteArray, LogicalTypeEnum.Json, true),
                new("extra_key", PhysicalType.ByteArray, LogicalTypeEnum.String, true),
            ],
            file.Columns);
        Assert.Equal([4L], file.RowGroups);
        Assert.Equal(["a", null, Unicode, null], file["name"]);
        Assert.Equal([1L, long.MinValue, long.MaxValue, null], file["count"]);
        Assert.Equal([0.5, 2.0, null, null], file["score"]);
        Assert.Equal([true, false, null, null], file["ok"]);
        Assert.Equal(
            ["""{"messages": [{"role": "user", "content": "hi"}], "n": null}""", """[1, "two", {"three": 3}]""", "\"just text\"", "7"],
            file["input"]);
        Assert.Equal([null, null, null, "only here"], file["extra_key"]);
    }

    [Fact]
    public async Task EventRows_NonStringsInTextColumnsAsJson_UnlistedFieldsInExtra()
    {
        var rows = Rows("""
            [
              {"id": "r1", "_xact_id": "1000192656880881099", "created": "2024-05-01T00:00:00.000Z", "project_id": "p",
               "span_id": "s1", "root_span_id": "s1", "is_root": true, "span_parents": null,
               "input": {"q": "What is 2+2?"}, "output": "4", "scores": {"exact": 1}, "metrics": {"start": 1.5, "end": 2},
               "tags": ["a", "b"], "error": null},
              {"id": 42, "span_id": "s2", "root_span_id": "s1", "is_root": false, "span_parents": ["s1"],
               "facets": {"topic": "math"}, "extra": "the row's own", "_async_scoring_state": null}
            ]
            """);

        var file = ParquetFile.Read(await WriteAsync(ParquetColumns.EventRow, rows));

        Assert.Equal(ParquetColumns.EventRow.Select(c => c.Name), file.Columns.Select(c => c.Name));
        Assert.All(file.Columns.Take(11), c => Assert.Equal((PhysicalType.ByteArray, LogicalTypeEnum.String), (c.Physical, c.Logical)));
        Assert.Equal((PhysicalType.Boolean, LogicalTypeEnum.None), (file.Columns[11].Physical, file.Columns[11].Logical));
        Assert.All(file.Columns.Skip(12), c => Assert.Equal((PhysicalType.ByteArray, LogicalTypeEnum.Json), (c.Physical, c.Logical)));
        Assert.All(file.Columns, c => Assert.True(c.Optional));

        Assert.Equal(["r1", "42"], file["id"]);
        Assert.Equal(["1000192656880881099", null], file["_xact_id"]);
        Assert.Equal(["p", null], file["project_id"]);
        Assert.Equal([null, null], file["experiment_id"]);
        Assert.Equal([true, false], file["is_root"]);
        Assert.Equal([null, """["s1"]"""], file["span_parents"]);
        Assert.Equal(["""{"q": "What is 2+2?"}""", null], file["input"]);
        Assert.Equal(["\"4\"", null], file["output"]);
        Assert.Equal(["""{"start": 1.5, "end": 2}""", null], file["metrics"]);
        Assert.Equal(["""["a", "b"]""", null], file["tags"]);
        Assert.Equal([null, null], file["error"]);
        Assert.Equal([null, """{"facets":{"topic":"math"},"extra":"the row's own","_async_scoring_state":null}"""], file["extra"]);
    }

    [Fact]
    public async Task ManyRowGroups_EveryRowInOrder()
    {
        const int Groups = 30, PerGroup = 1000;
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, [new("n", ParquetKind.Int64), new("s", ParquetKind.String)]))
        {
            for (var g = 0; g < Groups; g++)
            {
                var page = Enumerable.Range(g * PerGroup, PerGroup).Select(n => n % 7 == 0 ? "{}" : $$"""{"n": {{n}}, "s": "row {{n}}"}""");
                await writer.WriteRowGroupAsync(Rows($"[{string.Join(',', page)}]"));
            }
        }

        var file = ParquetFile.Read(output.ToArray());

        Assert.Equal(Enumerable.Repeat((long)PerGroup, Groups), file.RowGroups);
        Assert.Equal(Enumerable.Range(0, Groups * PerGroup).Select(n => n % 7 == 0 ? null : (object?)(long)n), file["n"]);
        Assert.Equal(Enumerable.Range(0, Groups * PerGroup).Select(n => n % 7 == 0 ? null : (object?)$"row {n}"), file["s"]);
    }

    [Fact]
    public async Task Page_PastRowGroupBytes_SplitIntoRowGroups()
    {
        var text = new string('x', 1000);
        var rows = Rows($"[{string.Join(',', Enumerable.Range(0, 100).Select(n => $$"""{"n": {{n}}, "s": "{{text}}"}"""))}]");
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, ParquetColumns.Infer(rows)))
        {
            writer.RowGroupBytes = 10_000;
            await writer.WriteRowGroupAsync(rows);
        }

        var file = ParquetFile.Read(output.ToArray());

        // A group ends after the row that takes it past 10,000 bytes: ten rows of 1,008.
        Assert.Equal(Enumerable.Repeat(10L, 10), file.RowGroups);
        Assert.Equal(Enumerable.Range(0, 100).Select(n => (object?)(long)n), file["n"]);
        Assert.All(file["s"], s => Assert.Equal(text, s));
    }

    [Fact]
    public async Task BigValues_TwentyMiB_ReadBack()
    {
        // Past 8 MB, Parquet.Net's own string statistics would make a page header Arrow refuses to read.
        var big = string.Concat(Enumerable.Repeat("0123456789abcdé😀", 20 * 1024 * 1024 / 18));
        var rows = Rows($$$"""[{"s": "{{{big}}}", "j": {"text": "{{{big}}}"}}, {"s": "small", "j": 1}]""");

        var file = ParquetFile.Read(await WriteAsync([new("s", ParquetKind.String), new("j", ParquetKind.Json)], rows));

        Assert.Equal([big, "small"], file["s"]);
        Assert.Equal([$$"""{"text": "{{big}}"}""", "1"], file["j"]);
    }

    [Fact]
    public async Task Strings_EscapesDecoded_LoneSurrogateKeptAsJsonText()
    {
        var rows = Rows("""[{"s": "quote \" backslash \\ tab \t nul \u0000 \u00e9 \ud83d\ude00"}, {"s": "\ud800 alone"}, {"s": ""}]""");

        var file = ParquetFile.Read(await WriteAsync([new("s", ParquetKind.String)], rows));

        Assert.Equal(["quote \" backslash \\ tab \t nul \0 é 😀", "\"\\ud800 alone\"", ""], file["s"]);
    }

    [Fact]
    public async Task NonSeekableOutput_WithoutSynchronousIo_WritesAWholeFile()
    {
        var rows = Rows("""[{"a": "x", "b": 1}, {"a": "y", "b": null}]""");
        var inner = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(new AsyncOnlyStream(inner), ParquetColumns.Infer(rows)))
        {
            await writer.WriteRowGroupAsync(rows);
            await writer.WriteRowGroupAsync(rows);
        }

        var file = ParquetFile.Read(inner.ToArray());

        Assert.Equal([2L, 2L], file.RowGroups);
        Assert.Equal(["x", "y", "x", "y"], file["a"]);
        Assert.Equal([1L, null, 1L, null], file["b"]);
    }

    [Fact]
    public async Task KestrelResponseBody_StreamedFile_ReadsBack()
    {
        // Kestrel refuses synchronous writes and flushes on a response body, and the body cannot seek.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/rows.parquet", async (HttpContext http) =>
        {
            http.Response.ContentType = "application/vnd.apache.parquet";
            await using var writer = await ParquetRowWriter.CreateAsync(http.Response.Body, ParquetColumns.EventRow, http.RequestAborted);
            for (var g = 0; g < 5; g++)
            {
                var page = Enumerable.Range(g * 500, 500).Select(n => $$"""{"id": "r{{n}}", "is_root": true, "input": {"n": {{n}}}, "other": {{n}}}""");
                await writer.WriteRowGroupAsync(Rows($"[{string.Join(',', page)}]"), http.RequestAborted);
            }
        });
        await app.StartAsync();
        var address = app.Urls.Single();

        using var client = new HttpClient();
        using var response = await client.GetAsync(address + "/rows.parquet");
        response.EnsureSuccessStatusCode();
        var file = ParquetFile.Read(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(Enumerable.Repeat(500L, 5), file.RowGroups);
        Assert.Equal(Enumerable.Range(0, 2500).Select(n => (object?)$"r{n}"), file["id"]);
        Assert.Equal(Enumerable.Range(0, 2500).Select(n => (object?)$$"""{"n": {{n}}}"""), file["input"]);
        Assert.Equal(Enumerable.Range(0, 2500).Select(n => (object?)$$"""{"other":{{n}}}"""), file["extra"]);
    }

    [Theory]
    [InlineData("count", ParquetKind.Int64, "\"12\"")]
    [InlineData("count", ParquetKind.Int64, "1.5")]
    [InlineData("count", ParquetKind.Int64, "18446744073709551616")]
    [InlineData("score", ParquetKind.Double, "\"0.5\"")]
    [InlineData("score", ParquetKind.Double, "1e400")]
    [InlineData("ok", ParquetKind.Boolean, "1")]
    public async Task ValueOfAnotherKind_Throws_EarlierGroupsKept(string name, ParquetKind kind, string value)
    {
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, [new(name, kind)]))
        {
            await writer.WriteRowGroupAsync(Rows($$"""[{"{{name}}": null}]"""));
            var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteRowGroupAsync(Rows($$"""[{}, {"{{name}}": {{value}}}]""")));
            Assert.Contains($"row 1: column '{name}'", error.Message);
        }

        var file = ParquetFile.Read(output.ToArray());
        Assert.Equal([1L], file.RowGroups);
        Assert.Equal([null], file[name]);
    }

    [Fact]
    public async Task RowThatThrows_HalfGathered_NextGroupUnaffected()
    {
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, ParquetColumns.EventRow))
        {
            // The extra object is open and "id" gathered when "is_root" turns out not to be a boolean.
            await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteRowGroupAsync(Rows(""" [{"id": "a", "foo": 1, "is_root": "yes"}] """)));
            await writer.WriteRowGroupAsync(Rows(""" [{"id": "b", "bar": 2}] """));
        }

        var file = ParquetFile.Read(output.ToArray());
        Assert.Equal([1L], file.RowGroups);
        Assert.Equal(["b"], file["id"]);
        Assert.Equal(["""{"bar":2}"""], file["extra"]);
    }

    [Fact]
    public async Task FieldWithoutColumn_NoExtra_Throws()
    {
        await using var writer = await ParquetRowWriter.CreateAsync(new MemoryStream(), [new("a", ParquetKind.String)]);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteRowGroupAsync(Rows("""[{"a": "x", "b": 1}]""")));
        Assert.Contains("'b'", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteRowGroupAsync(Rows("[1]")));
    }

    [Fact]
    public async Task NoRowGroups_FileWithColumnsAndNoRows()
    {
        var file = ParquetFile.Read(await WriteAsync([new("a", ParquetKind.Json), new("b", ParquetKind.Double)]));

        Assert.Equal(["a", "b"], file.Columns.Select(c => c.Name));
        Assert.Empty(file.RowGroups);
        Assert.Equal(0, file.RowCount);
    }

    [Fact]
    public async Task Dispose_LeavesOutputOpen()
    {
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, [new("a", ParquetKind.String)]))
        {
            await writer.WriteRowGroupAsync(Rows("""[{"a": "x"}]"""));
        }

        Assert.True(output.CanWrite);
        Assert.Equal("PAR1"u8.ToArray(), output.ToArray()[^4..]);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[["a", "String"], ["a", "Int64"]]""")]
    public async Task Columns_NoneOrDuplicate_Throw(string columns)
    {
        var list = JsonSerializer.Deserialize<string[][]>(columns)!.Select(c => new ParquetColumn(c[0], Enum.Parse<ParquetKind>(c[1]))).ToArray();
        await Assert.ThrowsAsync<ArgumentException>(() => ParquetRowWriter.CreateAsync(new MemoryStream(), list));
    }

    [Fact]
    public async Task HoldsOtherFields_OnlyOneJsonColumn()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetRowWriter.CreateAsync(new MemoryStream(), [new("x", ParquetKind.String) { HoldsOtherFields = true }]));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            ParquetRowWriter.CreateAsync(new MemoryStream(), [new("x", ParquetKind.Json) { HoldsOtherFields = true }, new("y", ParquetKind.Json) { HoldsOtherFields = true }]));
    }

    [Fact]
    public async Task OutputFailsMidGroup_NoFooter_NoFurtherGroups()
    {
        var output = new FailingStream(failAfterWrites: 3);
        var writer = await ParquetRowWriter.CreateAsync(output, [new("a", ParquetKind.String), new("b", ParquetKind.Int64)]);
        var rows = Rows("""[{"a": "x", "b": 1}]""");

        await Assert.ThrowsAsync<IOException>(() => writer.WriteRowGroupAsync(rows));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteRowGroupAsync(rows));
        var written = output.Written;
        await writer.DisposeAsync();

        // A footer would list a row group with one of its two columns; without one, readers refuse the file outright.
        Assert.Equal(written, output.Written);
        Assert.ThrowsAny<Exception>(() => ParquetFile.Read(output.Bytes));
    }

    [Fact]
    public async Task CancelledToken_StopsTheWrite()
    {
        await using var writer = await ParquetRowWriter.CreateAsync(new AsyncOnlyStream(new MemoryStream()), [new("a", ParquetKind.String)]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteRowGroupAsync(Rows("""[{"a": "x"}]"""), new CancellationToken(canceled: true)));
    }

    private static async Task<byte[]> WriteAsync(IReadOnlyList<ParquetColumn> columns, params JsonElement[][] groups)
    {
        var output = new MemoryStream();
        await using (var writer = await ParquetRowWriter.CreateAsync(output, columns))
        {
            foreach (var rows in groups)
            {
                await writer.WriteRowGroupAsync(rows);
            }
        }

        return output.ToArray();
    }

    /// <summary>Like a response body: cannot seek or tell its position, and refuses synchronous writes and flushes.</summary>
    private class AsyncOnlyStream(MemoryStream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public MemoryStream Inner => inner;

        public override void Flush() => throw new InvalidOperationException("synchronous flush");

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            inner.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>An output that breaks, as a client hanging up does, after some writes.</summary>
    private sealed class FailingStream(int failAfterWrites) : AsyncOnlyStream(new MemoryStream())
    {
        private int _writes;

        public long Written => Inner.Length;

        public byte[] Bytes => Inner.ToArray();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_writes > failAfterWrites ? throw new IOException("the client went away") : base.WriteAsync(buffer, cancellationToken);
    }
}
