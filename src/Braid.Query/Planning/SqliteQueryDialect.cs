using System.Globalization;
using System.Text;

namespace Braid.Query.Planning;

/// <summary>
/// SQLite: JSON is text, read with the json1 functions; SQLite keeps the last documents it parsed, so testing a
/// value's type and then extracting it from the same row's document parses that document once.
/// </summary>
public sealed class SqliteQueryDialect : QueryDialect
{
    private const string Format = "'%Y-%m-%dT%H:%M:%fZ'";

    /// <summary>SQLite fails a statement whose LIKE or GLOB pattern is longer (SQLITE_MAX_LIKE_PATTERN_LENGTH).</summary>
    public const int MaxPatternBytes = 50_000;

    internal SqliteQueryDialect()
    {
    }

    public override string Name => "sqlite";

    public override object PathParameter(IReadOnlyList<object> segments)
    {
        var path = new StringBuilder("$");
        foreach (var segment in segments)
        {
            if (segment is long index)
            {
                path.Append(index < 0 ? $"[#{index}]" : $"[{index}]");
            }
            else
            {
                // A quoted key may hold anything but a double quote, which SQLite's path syntax cannot escape;
                // the compiler rejects such names before they get here.
                path.Append(".\"").Append((string)segment).Append('"');
            }
        }

        return path.ToString();
    }

    public override SqlValue JsonAt(string document, string pathParameter, string topField, int depth) =>
        new($"({document} -> {pathParameter})", ValueKind.Json) { Path = new JsonPath(document, pathParameter, topField, depth) };

    private static string TypeOf(SqlValue json) =>
        json.Path is { } p ? $"json_type({p.Document}, {p.Parameter})" : $"json_type({json.Sql})";

    private static string Extract(SqlValue json) =>
        json.Path is { } p ? $"json_extract({p.Document}, {p.Parameter})" : $"json_extract({json.Sql}, '$')";

    public override string JsonText(SqlValue json) => $"(CASE WHEN {TypeOf(json)} = 'text' THEN {Extract(json)} END)";

    public override string JsonNumber(SqlValue json) => $"(CASE WHEN {TypeOf(json)} IN ('integer', 'real') THEN {Extract(json)} END)";

    public override string JsonBool(SqlValue json) => $"(CASE {TypeOf(json)} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END)";

    public override string JsonIsNull(SqlValue json) => $"({Extract(json)} IS NULL)";

    public override string PreviewText(SqlValue json) =>
        $"(CASE {TypeOf(json)} WHEN 'text' THEN {Extract(json)} WHEN 'null' THEN NULL ELSE {json.Sql} END)";

    public override string JsonOutput(SqlValue json) => json.Sql;

    public override string ToJson(SqlValue value) => value.Kind switch
    {
        ValueKind.Json => $"json({value.Sql})",
        ValueKind.Bool => $"json(CASE {value.Sql} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END)",
        ValueKind.Null => "NULL",
        ValueKind.Number => $"json(CAST({value.Sql} AS TEXT))",
        _ => $"(CASE WHEN {value.Sql} IS NOT NULL THEN json_quote({value.Sql}) END)",
    };

    // ToJson keeps a NULL a NULL, which takes its operand twice; in an object both become null, so one evaluation does.
    // json_object writes integers and reals as JSON numbers itself.
    public override string Member(SqlValue value) => value.Kind switch
    {
        ValueKind.Number => value.Sql,
        ValueKind.Text or ValueKind.Timestamp => $"json_quote({value.Sql})",
        _ => ToJson(value),
    };

    public override string JsonParameter(string parameter) => $"json({parameter})";

    public override string JsonEquals(SqlValue json, string literalParameter) => $"(json({json.Sql}) = json({literalParameter}))";

    public override string ArrayIncludes(SqlValue json, string literalParameter)
    {
        var each = json.Path is { } p ? $"json_each({p.Document}, {p.Parameter})" : $"json_each({json.Sql})";
        // Numbers match by value whether stored as 3 or 3.0 (json_each types them 'integer' and 'real'), as jsonb's @> does;
        // other types must agree, so true never matches 1.
        var type = $"json_type({literalParameter})";
        var sameType = $"(e.type = {type} OR (e.type IN ('integer', 'real') AND {type} IN ('integer', 'real')))";
        return $"({TypeOf(json)} = 'array' AND EXISTS (SELECT 1 FROM {each} e WHERE {sameType} AND e.value = json_extract({literalParameter}, '$')))";
    }

    public override string ArrayLength(SqlValue json) =>
        $"(CASE WHEN {TypeOf(json)} = 'array' THEN {(json.Path is { } p ? $"json_array_length({p.Document}, {p.Parameter})" : $"json_array_length({json.Sql})")} END)";

    public override string CompareText(string left, string op, string right) => $"({left} {op} {right})";

    public override string TextIn(string text, IReadOnlyList<string> texts) => $"({text} IN ({string.Join(", ", texts)}))";

    public override string Like(string text, string pattern, bool ignoreCase) =>
        // SQLite's LIKE ignores ASCII case; the compiler turns a case-sensitive LIKE into GLOB (see ToGlob).
        ignoreCase ? $"({text} LIKE {pattern} ESCAPE '\\')" : $"({text} GLOB {pattern})";

    /// <summary>A LIKE pattern (<c>%</c>, <c>_</c>, <c>\</c> escapes) as the GLOB pattern that matches the same texts, case-sensitively.</summary>
    public static string ToGlob(string like)
    {
        var glob = new StringBuilder(like.Length + 8);
        for (var i = 0; i < like.Length; i++)
        {
            var c = like[i];
            if (c == '\\' && i + 1 < like.Length)
            {
                AppendLiteral(glob, like[++i]);
            }
            else if (c == '%')
            {
                glob.Append('*');
            }
            else if (c == '_')
            {
                glob.Append('?');
            }
            else
            {
                AppendLiteral(glob, c);
            }
        }

        return glob.ToString();

        static void AppendLiteral(StringBuilder glob, char c) =>
            glob.Append(c is '*' or '?' or '[' ? $"[{c}]" : c.ToString());
    }

    public override string BoolLiteral(bool value) => value ? "1" : "0";

    public override string NumberParameter(string parameter) => parameter;

    public override string TextParameter(string parameter) => parameter;

    public override string Divide(string left, string right) => $"(CAST({left} AS REAL) / NULLIF({right}, 0))";

    // SQLite's % casts both sides to integers (7.5 % 2 is 1, 0.7 % 0.5 is NULL); mod() keeps fractions, as PostgreSQL does.
    public override string Modulo(string left, string right) => $"mod({left}, NULLIF({right}, 0))";

    // SQLite's round() takes negative places as 0; PostgreSQL's rounds to tens, hundreds, ... (round(4500, -3) is 5000).
    public override string Round(string number, string places) =>
        $"(CASE WHEN {places} < 0 THEN round({number} / power(10, -{places})) * power(10, -{places}) ELSE round({number}, {places}) END)";

    public override string Concat(IReadOnlyList<string> texts) => "(" + string.Join(" || ", texts.Select(t => $"COALESCE({t}, '')")) + ")";

    // 1.0 prints as '1' as it does on PostgreSQL.
    public override string NumberToText(string number) =>
        $"(CASE WHEN {number} = CAST({number} AS INTEGER) THEN CAST(CAST({number} AS INTEGER) AS TEXT) ELSE CAST({number} AS TEXT) END)";

    // A text reads as a number exactly when it is a JSON number.
    public override string TextToNumber(string text) =>
        $"(CASE WHEN json_valid({text}) AND json_type({text}) IN ('integer', 'real') THEN json_extract({text}, '$') END)";

    // SQLite's max()/min() are NULL when any argument is; PostgreSQL's GREATEST/LEAST skip NULLs. Giving each
    // argument the others as fallbacks makes SQLite skip them too. With one argument they would be the aggregates
    // (one row for the whole query, or an error in ORDER BY), so one value is just itself.
    public override string Greatest(IReadOnlyList<string> values) => values.Count == 1 ? values[0] : "max(" + string.Join(", ", Fallbacks(values)) + ")";

    public override string Least(IReadOnlyList<string> values) => values.Count == 1 ? values[0] : "min(" + string.Join(", ", Fallbacks(values)) + ")";

    private static IEnumerable<string> Fallbacks(IReadOnlyList<string> values) =>
        values.Select((v, i) => "COALESCE(" + string.Join(", ", values.Skip(i).Concat(values.Take(i))) + ")");

    // Only ISO-8601 dates are read: strftime would also take 'now' or a bare number (a Julian day), which in a row are data.
    public override string ToTimestamp(string text) =>
        $"(CASE WHEN {text} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN strftime({Format}, {text}) END)";

    public override string FromEpochSeconds(string seconds) =>
        $"(CASE WHEN {seconds} BETWEEN {MinEpochSeconds} AND {MaxEpochSeconds} THEN strftime({Format}, {seconds}, 'unixepoch') END)";

    public override string EpochSeconds(string timestamp) => $"((julianday({timestamp}) - 2440587.5) * 86400.0)";

    public override string AddInterval(string timestamp, decimal amount, string unit, SqlParameters parameters)
    {
        var (count, sqliteUnit) = unit == "week" ? (amount * 7, "days") : (amount, unit + "s");
        var modifier = parameters.Add(count.ToString("+0.###;-0.###", CultureInfo.InvariantCulture) + " " + sqliteUnit);
        // SQLite carries a day past the month's end into the next month (Jan 31 + 1 month is Mar 2); 'floor' stops at the
        // month's last day, as PostgreSQL and now() - interval do.
        var floor = unit is "month" or "year" ? ", 'floor'" : "";
        return $"strftime({Format}, {timestamp}, {modifier}{floor})";
    }

    public override string Truncate(string timestamp, string unit, long bucketSeconds, long offsetSeconds, SqlParameters parameters)
    {
        if (bucketSeconds > 0)
        {
            // Weeks start on Monday; the epoch was a Thursday, three days later.
            var shift = parameters.Add(offsetSeconds + (unit == "week" ? 259200L : 0L));
            var bucket = parameters.Add(bucketSeconds);
            var seconds = $"CAST(strftime('%s', {timestamp}) AS INTEGER) + {shift}";
            return $"strftime({Format}, (({seconds}) / {bucket}) * {bucket} - {shift}, 'unixepoch')";
        }

        var start = unit == "month" ? "'%Y-%m-01 00:00:00'" : "'%Y-01-01 00:00:00'";
        var forth = parameters.Add(offsetSeconds.ToString("+0;-0", CultureInfo.InvariantCulture) + " seconds");
        var back = parameters.Add((-offsetSeconds).ToString("+0;-0", CultureInfo.InvariantCulture) + " seconds");
        return $"strftime({Format}, strftime({start}, {timestamp}, {forth}), {back})";
    }

    public override string Percentile(string number, string fraction) => $"braid_percentile({number}, {fraction})";

    // The index is keyed by the version's sequence number, which the row holds: the test needs no history row.
    public override string SearchMatch(string row, string history, string tokensParameter) =>
        $"({row}.history_seq IN (SELECT rowid FROM event_search WHERE event_search MATCH {tokensParameter}))";

    public override object SearchParameter(string field, IReadOnlyList<string> tokens) =>
        // Tokens hold only letters, digits and marks, so quoting them needs no escapes.
        "{" + field + "} : (" + string.Join(" AND ", tokens.Select(t => "\"" + t + "\"")) + ")";

    public override string BuildObject(IReadOnlyList<(string NameParameter, string Json)> fields) =>
        "json_object(" + string.Join(", ", fields.Select(f => $"{f.NameParameter}, {f.Json}")) + ")";

    // json_each at the path walks the parsed document; json_each of json_extract would print the object and parse it again.
    public override (string Join, string Where) EachNumber(string document, string pathParameter, string alias) =>
        ($", json_each({document}, {pathParameter}) {alias}", $"json_type({document}, {pathParameter}) = 'object' AND {alias}.type IN ('integer', 'real')");

    public override string EachValue(string alias) => $"{alias}.value";

    public override string ObjectAggregate(string key, string json) => $"json_group_object({key}, {json})";

    public override string PaginationKey(string seq) => $"printf('p%020d', {seq})";

    public override string XactText(string xact) => $"CAST({xact} AS TEXT)";

    public override string DocumentXact(string document) => $"CAST(json_extract({document}, '$._xact_id') AS INTEGER)";

    public override string WithAuditAction(string document, string action) =>
        $"json_set({document}, '$.audit_data', json_object('action', {action}))";

    public override string Left(string text, string length) => $"substr({text}, 1, {length})";

    // SQLite keeps the documents it parsed last, so reads of one row's parts parse it once anyway.
    public override string Detoasted(string document) => document;

    public override string ParseJson(string text) => $"(CASE WHEN json_valid({text}) THEN json({text}) END)";

    public override string Lower(string text) => $"lower({text})";

    public override string Upper(string text) => $"upper({text})";

    public override string TextLength(string text) => $"length({text})";
}
