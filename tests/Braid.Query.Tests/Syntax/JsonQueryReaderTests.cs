using System.Text.Json;
using Braid.Query.Syntax;

namespace Braid.Query.Tests.Syntax;

public sealed class JsonQueryReaderTests
{
    // The shape of the SDK's ObjectFetcher request, including the scorer trace filter (sdk-protocol §5).
    private const string SdkFetch = """
        {"select":[{"op":"star"}],
         "from":{"op":"function","name":{"op":"ident","name":["dataset"]},"args":[{"op":"literal","value":"d1"}]},
         "filter":{"op":"and","children":[
            {"op":"eq","left":{"op":"ident","name":["root_span_id"]},"right":{"op":"literal","value":"r"}},
            {"op":"or","children":[
               {"op":"isnull","expr":{"op":"ident","name":["span_attributes","purpose"]}},
               {"op":"ne","left":{"op":"ident","name":["span_attributes","purpose"]},"right":{"op":"literal","value":"scorer"}}]}]},
         "sort":[{"expr":{"op":"ident","name":["_pagination_key"]},"dir":"desc"}],
         "limit":1000,"cursor":"c1"}
        """;

    public static TheoryData<string, string> Pairs => new()
    {
        { SdkFetch,
          "select: * | from: dataset('d1') | filter: root_span_id = 'r' and (span_attributes.purpose is null or span_attributes.purpose != 'scorer') | sort: _pagination_key desc | limit: 1000 | cursor: 'c1'" },
        { """{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["project_logs"]},"args":[{"op":"literal","value":"p"}],"shape":"traces"}}""",
          "SELECT * FROM project_logs('p', shape => 'traces')" },
        { """{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["experiment"]},"args":[]},"filter":{"op":"in","left":{"op":"ident","name":["tags",0]},"right":{"op":"literal","value":["a",1,true,null]}}}""",
          "SELECT * FROM experiment() WHERE tags[0] IN ('a', 1, true, null)" },
        { """{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["experiment"]}},"filter":{"op":"in","left":{"op":"ident","name":["a"]},"right":[{"op":"literal","value":2.5}]}}""",
          "SELECT * FROM experiment WHERE a IN (2.5)" },
        { """{"dimensions":[{"expr":{"op":"ident","name":["metadata","model"]},"alias":"m"}],"measures":[{"expr":{"op":"function","name":{"op":"ident","name":["count"]},"args":[{"op":"star"}]},"alias":"n"}],"from":{"op":"function","name":{"op":"ident","name":["project_logs"]},"args":[{"op":"literal","value":"p"}]}}""",
          "SELECT metadata.model AS m, count(*) AS n FROM project_logs('p') GROUP BY metadata.model" },
        { """{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["project_logs"]},"args":[{"op":"literal","value":"p"}]},"filter":{"op":"not","expr":{"op":"isnotnull","expr":{"op":"ident","name":["error"]}}}}""",
          "SELECT * FROM project_logs('p') WHERE NOT error IS NOT NULL" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Read_SdkAst_EqualsParsedText(string json, string text)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(QueryParser.Parse(text), JsonQueryReader.Read(document.RootElement));
    }

    [Theory]
    [InlineData("[]", "$: expected a JSON object")]
    [InlineData("""{"select":[{"op":"star"}]}""", "$: query has no 'from'")]
    [InlineData("""{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["tables"]}}}""", "$.from.name: unknown source")]
    [InlineData("""{"select":[{"op":"bogus"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]}}}""", "$.select[0]: unknown op 'bogus'")]
    [InlineData("""{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]}},"limit":-1}""", "$.limit: limit must be a non-negative whole number")]
    [InlineData("""{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]}},"filter":{"op":"eq","left":{"op":"ident","name":["a"]}}}""", "$.filter: 'right' is missing")]
    [InlineData("""{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]}},"sort":[{"expr":{"op":"star"},"dir":"up"}]}""", "$.sort[0].dir: unknown sort direction 'up'")]
    public void Read_MalformedAst_ThrowsQueryErrorNamingThePath(string json, string message)
    {
        using var document = JsonDocument.Parse(json);

        var error = Assert.Throws<QueryError>(() => JsonQueryReader.Read(document.RootElement));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Read_DeeplyNestedNot_ThrowsDepthError()
    {
        var filter = string.Concat(Enumerable.Repeat("""{"op":"not","expr":""", 200)) + """{"op":"star"}""" + new string('}', 200);
        var json = """{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]}},"filter":""" + filter + "}";
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 1000 });

        var error = Assert.Throws<QueryError>(() => JsonQueryReader.Read(document.RootElement));

        Assert.Contains("nested more than", error.Message);
    }

    [Fact]
    public void Read_MutatedSdkAst_ReadsOrThrowsQueryError()
    {
        var random = new Random(7);
        const string Alphabet = "{}[]\":,0123456789abcdefghijklmnopqrstuvwxyz_ -.";
        for (var i = 0; i < 5000; i++)
        {
            var chars = SdkFetch.ToCharArray();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(new string(chars));
            }
            catch (JsonException)
            {
                continue;
            }
            using (document)
            {
                try
                {
                    JsonQueryReader.Read(document.RootElement);
                }
                catch (QueryError)
                {
                }
            }
        }
    }
}
