using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Braid.Benchmarks.Queries;

/// <summary>
/// One question asked twice: as a query for the engine, and as the SQL one would write by hand against the same
/// schema for the same answer. Each side's answer is reduced to a list of keys (row ids, or day and count) so the
/// two can be checked against each other.
/// </summary>
public sealed record Question(
    string Name,
    string What,
    string Query,
    string Sql,
    IReadOnlyDictionary<string, object> Parameters,
    double? TargetMs,
    Func<JsonElement, string> EngineKey,
    Func<DbDataReader, string> HandKey);

/// <summary>The generated store's logs and what was generated into them.</summary>
public sealed record QueryData(
    string OrgId, string ProjectId, string ExperimentId, long LogSpans, long LogTraces, long FilteredEnvRows, long ErrorTraces, long ExperimentSpans, long ExperimentCases);

/// <summary>The benchmark's questions, after the issue: filter, MATCH, traces, summary, and dimensions/measures by day.</summary>
public static class Questions
{
    public static List<Question> For(string dialect, QueryData data, string word, long wordRows)
    {
        var pg = dialect == "postgres";
        // SQLite has no statistics (Braid never runs ANALYZE), so where the join order matters CROSS JOIN fixes it.
        var join = pg ? "JOIN" : "CROSS JOIN";
        var p = data.ProjectId;
        var e = data.ExperimentId;
        string Share(long part, long whole) => (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        static string Id(JsonElement row) => row.GetProperty("id").GetString()!;
        static string First(DbDataReader reader) => reader.GetString(0);
        var project = new Dictionary<string, object> { ["p"] = p };

        return
        [
            new("filter",
                $"metadata.env = '{LogGenerator.FilteredEnv}' ({Share(data.FilteredEnvRows, data.LogSpans)} of spans), newest 100",
                $"select: * | from: project_logs('{p}') | filter: metadata.env = '{LogGenerator.FilteredEnv}' | sort: created desc | limit: 100",
                $"""
                SELECT c.id, c.object_id, c.xact_id, h.data
                FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                WHERE c.object_type = 'project_logs' AND c.object_id = @p AND {(pg ? "h.data -> 'metadata' ->> 'env'" : "h.data ->> '$.metadata.env'")} = '{LogGenerator.FilteredEnv}'
                ORDER BY c.created DESC, c.id DESC LIMIT 100
                """,
                project, 50, Id, First),

            new("match",
                $"input MATCH '{word}' ({Share(wordRows, data.LogSpans)} of spans), newest 100",
                $"select: * | from: project_logs('{p}') | filter: input MATCH '{word}' | sort: created desc | limit: 100",
                pg
                    ? """
                      SELECT c.id, c.object_id, c.xact_id, h.data
                      FROM event_history h
                      JOIN event_current c ON c.object_type = h.object_type AND c.object_id = h.object_id AND c.id = h.id AND c.history_seq = h.seq
                      WHERE h.search_tokens @> @w AND h.object_type = 'project_logs' AND h.object_id = @p
                      ORDER BY c.created DESC, c.id DESC LIMIT 100
                      """
                    : """
                      SELECT c.id, c.object_id, c.xact_id, h.data FROM (
                          SELECT c.id, c.object_id, c.xact_id, c.created, c.history_seq FROM event_current c
                          WHERE c.object_type = 'project_logs' AND c.object_id = @p
                            AND c.history_seq IN (SELECT rowid FROM event_search WHERE event_search MATCH @w)
                          ORDER BY c.created DESC, c.id DESC LIMIT 100) c
                      JOIN event_history h ON h.seq = c.history_seq
                      ORDER BY c.created DESC, c.id DESC
                      """,
                new Dictionary<string, object> { ["p"] = p, ["w"] = SearchParameter(pg, word) },
                200, Id, First),

            new("traces",
                $"traces with an error ({Share(data.ErrorTraces, data.LogTraces)} of traces), newest 100 traces, all their spans",
                $"select: * | from: project_logs('{p}') traces | filter: error IS NOT NULL | limit: 100",
                $"""
                WITH hit AS (
                    SELECT t.object_id, t.root_span_id, t.first_xact FROM event_traces t
                    WHERE t.object_type = 'project_logs' AND t.object_id = @p AND EXISTS (
                        SELECT 1 FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                        WHERE c.object_type = t.object_type AND c.object_id = t.object_id AND c.root_span_id = t.root_span_id
                          AND {(pg ? "h.data ->> 'error'" : "h.data ->> '$.error'")} IS NOT NULL)
                    ORDER BY t.first_xact DESC, t.root_span_id DESC LIMIT 100)
                SELECT c.id, c.object_id, c.xact_id, h.data FROM hit
                {join} event_current c ON c.object_type = 'project_logs' AND c.object_id = hit.object_id AND c.root_span_id = hit.root_span_id
                JOIN event_history h ON h.seq = c.history_seq
                ORDER BY hit.first_xact DESC, hit.root_span_id DESC, c.created, c.id
                """,
                project, 50, Id, First),

            new("summary",
                $"experiment of {data.ExperimentSpans:N0} spans ({data.ExperimentCases:N0} cases): summary rows, newest 100 traces",
                $"select: * | from: experiment('{e}') summary | limit: 100",
                SummarySql(pg, join, sorted: false),
                new Dictionary<string, object> { ["e"] = e }, 200, Id, First),

            new("summary sorted",
                $"the same, sorted by scores.factuality (every one of the {data.ExperimentCases:N0} traces aggregated)",
                $"select: * | from: experiment('{e}') summary | sort: scores.factuality asc | limit: 100",
                SummarySql(pg, join, sorted: true),
                new Dictionary<string, object> { ["e"] = e }, 200, Id, First),

            new("by day",
                $"dimensions day(created), measures count, sum(tokens), avg(helpfulness), count_distinct(user_id) over all {data.LogSpans:N0} spans",
                $"dimensions: day(created) as day | measures: count(1) as spans, sum(metrics.tokens) as tokens, avg(scores.helpfulness) as helpfulness, count_distinct(metadata.user_id) as users | from: project_logs('{p}')",
                pg
                    ? """
                      SELECT left(c.created, 10) AS day, count(*), sum((h.data -> 'metrics' ->> 'tokens')::float8),
                          avg((h.data -> 'scores' ->> 'helpfulness')::float8), count(DISTINCT h.data -> 'metadata' ->> 'user_id')
                      FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                      WHERE c.object_type = 'project_logs' AND c.object_id = @p
                      GROUP BY 1 ORDER BY 1
                      """
                    : """
                      SELECT substr(c.created, 1, 10) AS day, count(*), sum(h.data ->> '$.metrics.tokens'),
                          avg(h.data ->> '$.scores.helpfulness'), count(DISTINCT h.data ->> '$.metadata.user_id')
                      FROM event_current c JOIN event_history h ON h.seq = c.history_seq
                      WHERE c.object_type = 'project_logs' AND c.object_id = @p
                      GROUP BY 1 ORDER BY 1
                      """,
                project, null,
                row => row.GetProperty("day").GetString()![..10] + "=" + row.GetProperty("spans").GetInt64().ToString(CultureInfo.InvariantCulture),
                reader => reader.GetString(0) + "=" + reader.GetInt64(1).ToString(CultureInfo.InvariantCulture)),
        ];
    }

    public static object SearchParameter(bool pg, string word) => pg ? new[] { "input:" + word } : "{input} : \"" + word + "\"";

    /// <summary>
    /// Summary rows as one would write them by hand: the traces' spans once, their aggregates in one pass, scores
    /// averaged per name, and the root's fields (inputs cut to 124 characters) around them. The same fields, names and
    /// metrics as the engine's summary shape.
    /// </summary>
    private static string SummarySql(bool pg, string join, bool sorted)
    {
        string N(string path) => pg ? $"(s.data #>> '{{{path.Replace('.', ',')}}}')::float8" : $"(s.data ->> '$.{path}')";
        string T(string path) => pg ? $"(s.data #>> '{{{path.Replace('.', ',')}}}')" : $"(s.data ->> '$.{path}')";
        var llm = $"{T("span_attributes.type")} = 'llm'";
        var tool = $"{T("span_attributes.type")} = 'tool'";
        var error = $"{T("error")} IS NOT NULL";
        var isRoot = pg ? "(s.data ->> 'is_root')::boolean" : "(s.data ->> '$.is_root')";
        var limitRoots = sorted ? "" : "\n    ORDER BY first_xact DESC, root_span_id DESC LIMIT 100";
        var obj = pg ? "jsonb_build_object" : "json_object";
        string Root(string field) => pg ? $"rh.data -> '{field}'" : $"json(rh.data -> '$.{field}')";
        string Preview(string field) => pg ? $"to_jsonb(left(rh.data ->> '{field}', 124))" : $"substr(rh.data ->> '$.{field}', 1, 124)";
        var scores = pg
            ? """
              SELECT root_span_id, jsonb_object_agg(k, v) AS scores FROM (
                  SELECT s.root_span_id, e.key AS k, avg((e.value)::float8) AS v FROM s CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(s.data -> 'scores') = 'object' THEN s.data -> 'scores' END) e
                  WHERE jsonb_typeof(e.value) = 'number' GROUP BY s.root_span_id, e.key) x
              GROUP BY root_span_id
              """
            : """
              SELECT root_span_id, json_group_object(k, v) AS scores FROM (
                  SELECT s.root_span_id, e.key AS k, avg(e.value) AS v FROM s, json_each(s.data, '$.scores') e
                  WHERE e.type IN ('integer', 'real') GROUP BY s.root_span_id, e.key) x
              GROUP BY root_span_id
              """;
        var order = sorted
            ? (pg ? "(sc.scores ->> 'factuality')::float8 NULLS LAST, " : "(sc.scores ->> '$.factuality') NULLS LAST, ") + "a.first_xact DESC, a.root_span_id DESC LIMIT 100"
            : "a.first_xact DESC, a.root_span_id DESC";
        return $"""
            WITH r AS (
                SELECT object_id, root_span_id, first_xact FROM event_traces
                WHERE object_type = 'experiment' AND object_id = @e{limitRoots}),
            s AS (
                SELECT r.root_span_id, r.first_xact, c.xact_id, c.history_seq, h.data
                FROM r {join} event_current c ON c.object_type = 'experiment' AND c.object_id = r.object_id AND c.root_span_id = r.root_span_id
                JOIN event_history h ON h.seq = c.history_seq),
            a AS (
                SELECT root_span_id, first_xact, max(xact_id) AS xact, count(*) AS spans,
                    coalesce(max(CASE WHEN {isRoot} THEN history_seq END), min(history_seq)) AS root_seq,
                    sum({N("metrics.prompt_tokens")}) AS prompt_tokens,
                    sum({N("metrics.completion_tokens")}) AS completion_tokens,
                    sum({N("metrics.prompt_cached_tokens")}) AS prompt_cached_tokens,
                    sum({N("metrics.prompt_cache_creation_tokens")}) AS prompt_cache_creation_tokens,
                    sum(coalesce({N("metrics.tokens")}, {N("metrics.prompt_tokens")} + {N("metrics.completion_tokens")})) AS total_tokens,
                    sum({N("metrics.estimated_cost")}) AS estimated_cost,
                    count(CASE WHEN {llm} THEN 1 END) AS llm_calls,
                    count(CASE WHEN {tool} THEN 1 END) AS tool_calls,
                    count(CASE WHEN {error} THEN 1 END) AS errors,
                    count(CASE WHEN {llm} AND {error} THEN 1 END) AS llm_errors,
                    count(CASE WHEN {tool} AND {error} THEN 1 END) AS tool_errors,
                    min({N("metrics.start")}) AS start, max({N("metrics.end")}) AS "end",
                    sum(CASE WHEN {llm} THEN {N("metrics.end")} - {N("metrics.start")} END) AS llm_duration,
                    avg({N("metrics.time_to_first_token")}) AS time_to_first_token
                FROM s GROUP BY root_span_id, first_xact),
            sc AS ({scores})
            SELECT {(pg ? "rh.data ->> 'id'" : "rh.data ->> '$.id'")} AS id, {obj}(
                'id', {Root("id")}, 'span_id', {Root("span_id")}, 'root_span_id', a.root_span_id, 'created', {Root("created")},
                '_xact_id', CAST(a.xact AS text),
                'input', {Preview("input")}, 'output', {Preview("output")}, 'expected', {Preview("expected")}, 'error', {Preview("error")},
                'metadata', {Root("metadata")}, 'tags', {Root("tags")}, 'span_attributes', {Root("span_attributes")},
                'scores', coalesce(sc.scores, {(pg ? "'{}'::jsonb" : "json('{}')")}),
                'metrics', {obj}('prompt_tokens', a.prompt_tokens, 'completion_tokens', a.completion_tokens,
                    'prompt_cached_tokens', a.prompt_cached_tokens, 'prompt_cache_creation_tokens', a.prompt_cache_creation_tokens,
                    'total_tokens', a.total_tokens, 'estimated_cost', a.estimated_cost, 'llm_calls', a.llm_calls, 'tool_calls', a.tool_calls,
                    'errors', a.errors, 'llm_errors', a.llm_errors, 'tool_errors', a.tool_errors, 'start', a.start, 'end', a."end",
                    'duration', a."end" - a.start, 'llm_duration', a.llm_duration, 'time_to_first_token', a.time_to_first_token),
                'span_type_info', {obj}('has_error', {(pg ? "a.errors > 0" : "json(CASE WHEN a.errors > 0 THEN 'true' ELSE 'false' END)")}, 'num_spans', a.spans)) AS row
            FROM a JOIN event_history rh ON rh.seq = a.root_seq LEFT JOIN sc ON sc.root_span_id = a.root_span_id
            ORDER BY {order}
            """;
    }
}
