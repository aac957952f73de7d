using System.Globalization;

namespace Braid.Query.Planning;

/// <summary>
/// PostgreSQL: JSON is jsonb. Text compares by code point (<c>COLLATE "C"</c>) so order matches SQLite whatever the
/// database's locale; numbers are float8 so arithmetic and averages come out as on SQLite. Parsing a user's text as
/// a timestamp or JSON goes through <c>braid_timestamptz</c>/<c>braid_jsonb</c> (migration 0005), which return NULL
/// instead of failing the query.
/// </summary>
public sealed class PostgresQueryDialect : QueryDialect
{
    private const string Format = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";

    internal PostgresQueryDialect()
    {
    }

    public override string Name => "postgres";

    public override object PathParameter(IReadOnlyList<object> segments) =>
        segments.Select(s => s is long index ? index.ToString(CultureInfo.InvariantCulture) : (string)s).ToArray();

    public override SqlValue JsonAt(string document, string pathParameter, string topField, int depth) =>
        new($"({document} #> CAST({pathParameter} AS text[]))", ValueKind.Json) { Path = new JsonPath(document, pathParameter, topField, depth) };

    public override string JsonText(SqlValue json) => $"(CASE WHEN jsonb_typeof({json.Sql}) = 'string' THEN {json.Sql} #>> '{{}}' END)";

    public override string JsonNumber(SqlValue json) => $"(CASE WHEN jsonb_typeof({json.Sql}) = 'number' THEN CAST({json.Sql} AS float8) END)";

    public override string JsonBool(SqlValue json) => $"(CASE WHEN jsonb_typeof({json.Sql}) = 'boolean' THEN CAST({json.Sql} AS boolean) END)";

    public override string JsonIsNull(SqlValue json) => $"(COALESCE(jsonb_typeof({json.Sql}), 'null') = 'null')";

    public override string PreviewText(SqlValue json) =>
        $"(CASE jsonb_typeof({json.Sql}) WHEN 'string' THEN {json.Sql} #>> '{{}}' WHEN 'null' THEN NULL ELSE CAST({json.Sql} AS text) END)";

    public override string JsonOutput(SqlValue json) => $"CAST({json.Sql} AS text)";

    public override string ToJson(SqlValue value) => value.Kind switch
    {
        ValueKind.Json => value.Sql,
        ValueKind.Null => "NULL::jsonb",
        _ => $"to_jsonb({value.Sql})",
    };

    public override string JsonParameter(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string JsonEquals(SqlValue json, string literalParameter) => $"({json.Sql} = CAST({literalParameter} AS jsonb))";

    // Never NULL: a missing array includes nothing, as a JSON null does, so NOT INCLUDES keeps the row (as on SQLite).
    public override string ArrayIncludes(SqlValue json, string literalParameter) =>
        $"COALESCE(jsonb_typeof({json.Sql}) = 'array' AND {json.Sql} @> jsonb_build_array(CAST({literalParameter} AS jsonb)), FALSE)";

    public override string ArrayLength(SqlValue json) =>
        $"(CASE WHEN jsonb_typeof({json.Sql}) = 'array' THEN jsonb_array_length({json.Sql}) END)";

    public override string CompareText(string left, string op, string right) => $"({left} COLLATE \"C\" {op} {right} COLLATE \"C\")";

    public override string TextIn(string text, IReadOnlyList<string> texts) => $"({text} COLLATE \"C\" IN ({string.Join(", ", texts)}))";

    public override string Like(string text, string pattern, bool ignoreCase) =>
        $"({text} {(ignoreCase ? "ILIKE" : "LIKE")} {pattern} ESCAPE '\\')";

    public override string BoolLiteral(bool value) => value ? "TRUE" : "FALSE";

    public override string NumberParameter(string parameter) => $"CAST({parameter} AS float8)";

    public override string TextParameter(string parameter) => $"CAST({parameter} AS text)";

    public override string Divide(string left, string right) => $"(CAST({left} AS float8) / NULLIF({right}, 0))";

    public override string Modulo(string left, string right) =>
        $"(CAST({left} AS numeric) % NULLIF(CAST({right} AS numeric), 0))::float8";

    public override string Round(string number, string places) => $"round(CAST({number} AS numeric), CAST({places} AS integer))::float8";

    public override string Concat(IReadOnlyList<string> texts) => "concat(" + string.Join(", ", texts) + ")";

    public override string NumberToText(string number) => $"CAST({number} AS text)";

    public override string TextToNumber(string text) =>
        $"(CASE WHEN {text} ~ '^\\s*-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\s*$' THEN CAST({text} AS float8) END)";

    public override string Greatest(IReadOnlyList<string> values) => "GREATEST(" + string.Join(", ", values) + ")";

    public override string Least(IReadOnlyList<string> values) => "LEAST(" + string.Join(", ", values) + ")";

    private static string Canonical(string timestamptz) => $"to_char({timestamptz} AT TIME ZONE 'UTC', {Format})";

    public override string ToTimestamp(string text) => Canonical($"braid_timestamptz({text})");

    // Past the years 0001-9999 to_timestamp() fails the statement (epoch milliseconds read as seconds are year 55000) or
    // prints a BC year: NULL instead, as on SQLite.
    public override string FromEpochSeconds(string seconds) =>
        $"(CASE WHEN {seconds} BETWEEN {MinEpochSeconds} AND {MaxEpochSeconds} THEN {Canonical($"to_timestamp({seconds})")} END)";

    public override string EpochSeconds(string timestamp) => $"CAST(extract(epoch FROM braid_timestamptz({timestamp})) AS float8)";

    public override string AddInterval(string timestamp, decimal amount, string unit, SqlParameters parameters)
    {
        var interval = parameters.Add(amount.ToString("0.###", CultureInfo.InvariantCulture) + " " + unit + "s");
        return Canonical($"(braid_timestamptz({timestamp}) + CAST({interval} AS interval))");
    }

    public override string Truncate(string timestamp, string unit, long bucketSeconds, long offsetSeconds, SqlParameters parameters)
    {
        var offset = parameters.Add(offsetSeconds);
        if (bucketSeconds > 0 && unit != "week")
        {
            var bucket = parameters.Add(bucketSeconds);
            // Whole seconds, rounded down: a cast to bigint rounds, and 23:59:59.5 would land in the next day.
            var seconds = $"floor(extract(epoch FROM braid_timestamptz({timestamp})))::bigint + {offset}";
            return Canonical($"to_timestamp(floor(({seconds}) / CAST({bucket} AS float8)) * {bucket} - {offset})");
        }

        // date_trunc on a UTC timestamp moved into the requested zone, then moved back.
        var local = $"(braid_timestamptz({timestamp}) AT TIME ZONE 'UTC' + make_interval(secs => {offset}))";
        var unitParameter = parameters.Add(unit);
        return $"to_char(date_trunc(CAST({unitParameter} AS text), {local}) - make_interval(secs => {offset}), {Format})";
    }

    public override string Percentile(string number, string fraction) => $"percentile_cont(CAST({fraction} AS float8)) WITHIN GROUP (ORDER BY {number})";

    public override string SearchMatch(string row, string history, string tokensParameter) =>
        row == history
            // Audit rows carry their JSON themselves; the tokens stay on the version's history row.
            ? $"EXISTS (SELECT 1 FROM event_history sh WHERE sh.seq = {row}.history_seq AND sh.search_tokens @> CAST({tokensParameter} AS text[]))"
            : $"({history}.search_tokens @> CAST({tokensParameter} AS text[]))";

    public override object SearchParameter(string field, IReadOnlyList<string> tokens) => tokens.Select(t => field + ":" + t).ToArray();

    public override string BuildObject(IReadOnlyList<(string NameParameter, string Json)> fields) =>
        "jsonb_build_object(" + string.Join(", ", fields.Select(f => $"CAST({f.NameParameter} AS text), {f.Json}")) + ")";

    // jsonb_each fails on anything but an object, and a condition beside it need not run first: the CASE guards it.
    public override (string Join, string Where) EachNumber(string document, string pathParameter, string alias) =>
        ($" CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof({document} #> CAST({pathParameter} AS text[])) = 'object' THEN {document} #> CAST({pathParameter} AS text[]) END) {alias}",
         $"jsonb_typeof({alias}.value) = 'number'");

    public override string EachValue(string alias) => $"CAST({alias}.value AS float8)";

    public override string ObjectAggregate(string key, string json) => $"jsonb_object_agg({key}, {json})";

    public override string PaginationKey(string seq) => $"('p' || lpad(CAST({seq} AS text), 20, '0'))";

    public override string XactText(string xact) => $"CAST({xact} AS text)";

    public override string DocumentXact(string document) => $"CAST({document} ->> '_xact_id' AS bigint)";

    public override string WithAuditAction(string document, string action) =>
        $"({document} || jsonb_build_object('audit_data', jsonb_build_object('action', CAST({action} AS text))))";

    public override string Left(string text, string length) => $"left({text}, CAST({length} AS integer))";

    // A document of more than about 2 KB is stored compressed, often in the TOAST table, and PostgreSQL fetches and
    // decompresses it again for every operator applied to it: a summary reads some 40 parts of each span. The document
    // at the empty path is the whole document, returned decompressed, and kept so by the CTE it is selected into.
    public override string Detoasted(string document) => $"({document} #> '{{}}')";

    public override string ParseJson(string text) => $"braid_jsonb({text})";

    public override string Lower(string text) => $"lower({text})";

    public override string Upper(string text) => $"upper({text})";

    public override string TextLength(string text) => $"length({text})";
}
