using System.Text.Json;
using Braid.Server.Query.Parquet;

namespace Braid.Server.Tests.Query.Parquet;

public sealed class ParquetColumnsTests
{
    internal static JsonElement[] Rows(string json) => [.. JsonDocument.Parse(json).RootElement.EnumerateArray()];

    [Fact]
    public void Infer_EachKey_KindFromItsNonNullValues()
    {
        var rows = Rows("""
            [
              {"s": "a", "i": 1, "d": 1, "b": true, "o": {"x": 1}, "a": [1], "mixed": "1", "nulls": null},
              {"s": null, "i": -9223372036854775808, "d": 2.5, "b": false, "o": null, "a": [], "mixed": 1, "late": 1e3},
              {"i": 9223372036854775807, "d": -1e-300}
            ]
            """);

        Assert.Equal(
            [
                new("s", ParquetKind.String), new("i", ParquetKind.Int64), new("d", ParquetKind.Double),
                new("b", ParquetKind.Boolean), new("o", ParquetKind.Json), new("a", ParquetKind.Json),
                new("mixed", ParquetKind.Json), new("nulls", ParquetKind.String), new("late", ParquetKind.Double),
            ],
            ParquetColumns.Infer(rows));
    }

    [Theory]
    [InlineData("[1.5, 9007199254740993]", ParquetKind.Json)] // a double would round the integer
    [InlineData("[1.5, 9007199254740992]", ParquetKind.Double)]
    [InlineData("[1, 9007199254740993]", ParquetKind.Int64)]
    [InlineData("[1, 18446744073709551616]", ParquetKind.Json)] // past a long, and a double would round it
    [InlineData("[1e400]", ParquetKind.Json)] // past a double
    [InlineData("[true, 1]", ParquetKind.Json)]
    [InlineData("[\"x\", true]", ParquetKind.Json)]
    [InlineData("[null, null]", ParquetKind.String)]
    public void Infer_Numbers_OnlyKindsThatKeepEveryValueExactly(string values, ParquetKind expected)
    {
        var rows = Rows(values).Select(v => JsonDocument.Parse($$"""{"k": {{v.GetRawText()}}}""").RootElement).ToArray();
        Assert.Equal([new ParquetColumn("k", expected)], ParquetColumns.Infer(rows));
    }

    [Fact]
    public void Infer_NoRows_NoColumns() => Assert.Empty(ParquetColumns.Infer([]));

    [Fact]
    public void Infer_RowNotAnObject_Throws() =>
        Assert.Throws<ArgumentException>(() => ParquetColumns.Infer(Rows("""[{"a": 1}, [1]]""")));

    [Fact]
    public void EventRow_IdentityAsText_ContentAsJson_OthersInExtra()
    {
        var columns = ParquetColumns.EventRow;
        Assert.Equal(
            [
                "id", "_xact_id", "_pagination_key", "created", "org_id", "project_id", "experiment_id", "dataset_id", "log_id",
                "span_id", "root_span_id", "is_root", "span_parents", "input", "output", "expected", "error", "scores", "metrics",
                "metadata", "tags", "span_attributes", "context", "origin", "comments", "audit_data", "extra",
            ],
            columns.Select(c => c.Name));
        Assert.All(columns.Take(11), c => Assert.Equal(ParquetKind.String, c.Kind));
        Assert.Equal(ParquetKind.Boolean, columns[11].Kind);
        Assert.All(columns.Skip(12), c => Assert.Equal(ParquetKind.Json, c.Kind));
        Assert.Equal(["extra"], columns.Where(c => c.HoldsOtherFields).Select(c => c.Name));
    }
}
