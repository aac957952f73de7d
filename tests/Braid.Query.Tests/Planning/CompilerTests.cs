using Braid.Query.Planning;
using Braid.Query.Syntax;

namespace Braid.Query.Tests.Planning;

public sealed class CompilerTests
{
    public static TheoryData<string> Dialects => new() { "sqlite", "postgres" };

    private static readonly QuerySource Source = new("project_logs", "org", [new SourceObject("p1", "p1"), new SourceObject("p2", "p2")]);

    private static QueryDialect Dialect(string name) => name == "sqlite" ? QueryDialect.Sqlite : QueryDialect.Postgres;

    private static CompiledQuery Compile(string text, string dialect, QueryOptions? options = null) =>
        QueryCompiler.Compile(QueryParser.Parse(text), Source, Dialect(dialect), options ?? new QueryOptions());

    [Theory]
    [MemberData(nameof(Dialects))]
    public void UserText_ReachesSqlOnlyAsParameters(string dialect)
    {
        const string Hostile = "x'); DROP TABLE event_history; --";
        var queries = new[]
        {
            $"select: * | from: project_logs('p1') | filter: input = '{Hostile.Replace("'", "''", StringComparison.Ordinal)}'",
            $"select: metadata.\"{Hostile}\" as out | from: project_logs('p1') | filter: metadata.\"{Hostile}\" like '%{Hostile.Replace("'", "''", StringComparison.Ordinal)}%'",
            $"dimensions: metadata.\"{Hostile}\" as d | measures: count(1) as n | from: project_logs('p1')",
            $"select: * | from: project_logs('p1') summary | filter: input MATCH '{Hostile.Replace("'", "''", StringComparison.Ordinal)}'",
        };
        foreach (var text in queries)
        {
            var compiled = Compile(text, dialect);
            Assert.DoesNotContain("DROP TABLE", compiled.Sql, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(compiled.Parameters, p => p.Value is string s && s.Contains("DROP TABLE", StringComparison.Ordinal)
                || p.Value is string[] a && a.Any(x => x.Contains("DROP TABLE", StringComparison.Ordinal))
                || p.Value is string t && t.Contains("drop", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void TimeZoneOffsets_AndIntervals_AreParameters(string dialect)
    {
        var compiled = Compile("dimensions: date_trunc('15 minutes', created) as t | measures: count(1) as n | from: project_logs('p1') | filter: created > now() - interval 3 month", dialect, new QueryOptions { TzOffsetMinutes = 330 });

        Assert.DoesNotContain("330", compiled.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("19800", compiled.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("900", compiled.Sql, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void TransactionRanges_CompareTheStoredIntegers(string dialect)
    {
        var compiled = Compile("select: id | from: project_logs('p1') | filter: _xact_id > '1000000000000000042' and _pagination_key <= 'p00000000000000000007'", dialect);

        Assert.Contains("(c.xact_id > @", compiled.Sql, StringComparison.Ordinal);
        Assert.Contains("(c.history_seq <= @", compiled.Sql, StringComparison.Ordinal);
        Assert.Contains(compiled.Parameters, p => p.Value is 1000000000000000042L);
        Assert.Contains(compiled.Parameters, p => p.Value is 7L);
    }

    [Fact]
    public void Cursor_EncodingIsPinned()
    {
        // A persisted format: clients hold cursors between requests, across server upgrades.
        var keyset = new QueryCursor(CursorKind.Keyset, "spans", ["2024-01-01T00:00:00.000Z", "p1", "r1", 42L], 0);
        Assert.Equal("eyJ2IjoxLCJrIjoia2V5c2V0IiwicSI6InNwYW5zIiwia2V5IjpbIjIwMjQtMDEtMDFUMDA6MDA6MDAuMDAwWiIsInAxIiwicjEiLDQyXX0", keyset.Encode());
        var offset = new QueryCursor(CursorKind.Offset, "grouped", [], 1000);
        Assert.Equal("eyJ2IjoxLCJrIjoib2Zmc2V0IiwicSI6Imdyb3VwZWQiLCJvZmZzZXQiOjEwMDB9", offset.Encode());

        var decoded = QueryCursor.Decode(keyset.Encode());
        Assert.Equal(keyset.Key, decoded.Key);
        Assert.Equal(1000, QueryCursor.Decode(offset.Encode()).Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("eyJ2IjoyfQ")]
    [InlineData("eyJ2IjoxLCJrIjoib2Zmc2V0IiwicSI6InNwYW5zIiwib2Zmc2V0IjotMX0")]
    public void Cursor_RejectsWhatItDidNotWrite(string text) =>
        Assert.Throws<QueryError>(() => QueryCursor.Decode(text));

    [Theory]
    [MemberData(nameof(Dialects))]
    public void CursorOfAnotherShape_IsAQueryError(string dialect)
    {
        var cursor = new QueryCursor(CursorKind.Offset, "grouped", [], 5).Encode();
        var error = Assert.Throws<QueryError>(() => Compile($"select: * | from: project_logs('p1') | cursor: '{cursor}'", dialect));
        Assert.Contains("grouped", error.Message, StringComparison.Ordinal);
    }
}
