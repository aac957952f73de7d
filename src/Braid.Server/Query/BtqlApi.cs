using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Braid.Query.Lint;
using Braid.Query.Planning;
using Braid.Query.Syntax;
using Braid.Server.AccessControl;
using Braid.Server.Auth;
using Braid.Server.Events;
using Braid.Server.Http;
using Braid.Server.Objects;
using Braid.Server.Query.Rollups;
using Braid.Server.RateLimits;
using Braid.Storage.Objects;
using Braid.Storage.Query;
using Braid.Storage.Tenancy;

namespace Braid.Server.Query;

/// <summary>
/// <c>POST /btql</c>: a query in SQL, BTQL pipe syntax or the SDK's JSON form, answered as JSON
/// (<c>{"data": [...], "cursor": ...}</c> and an <c>x-bt-cursor</c> header), JSON lines, or Parquet.
/// </summary>
public static class BtqlApi
{
    /// <summary>A JSON or JSON-lines page up to this size is buffered so its cursor can go in a header; a larger one streams.</summary>
    private const int BufferedBytes = 8 << 20;

    public static IEndpointRouteBuilder MapBtqlApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/btql", QueryAsync).RateLimited(EndpointClass.Query);
        return routes;
    }

    // A query reads only sources the caller may read: each log, or the prompts of each project (of every project for org_*).
    internal static async Task RequireReadAsync(Access access, Principal principal, ResolvedSource resolved)
    {
        foreach (var log in resolved.Logs)
        {
            await access.RequireAsync(principal, EventLogs.Target(principal.OrgId, log), Access.Read);
        }

        if (resolved.Source.ObjectType == AuditTrail.Kind)
        {
            // The audit log is the ACL object type org_audit_logs, under the organization.
            await access.RequireAsync(principal, new AccessTarget("org_audit_logs", principal.OrgId, [("organization", principal.OrgId)]), Access.Read);
            return;
        }

        if (resolved.Logs.Count == 0)
        {
            var type = ObjectKinds.Prompt.AclType!;
            var targets = resolved.Source.Objects.Count == 0
                ? [new AccessTarget(type, null, [("org_project", principal.OrgId), ("organization", principal.OrgId)])]
                : resolved.Source.Objects.Select(p => Access.InProject(type, null, principal.OrgId, p.ProjectId));
            foreach (var target in targets)
            {
                await access.RequireAsync(principal, target, Access.Read);
            }
        }
    }

    private static async Task QueryAsync(HttpContext http, ObjectStore objects, QueryRunner runner, RollupQueries rollups)
    {
        var body = await JsonBody.ReadObjectAsync(http);
        var request = BtqlRequest.Read(body);
        var query = Parse(request.Query);
        var principal = http.GetPrincipal();
        var resolved = await QuerySources.ResolveAsync(objects, principal.OrgId, principal.OrgName, query.From);
        await RequireReadAsync(http.RequestServices.GetRequiredService<Access>(), principal, resolved);
        CompiledQuery compiled;
        try
        {
            compiled = QueryCompiler.Compile(query, resolved.Source, runner.Dialect, request.Options);
        }
        catch (QueryError e)
        {
            throw BadQuery(e, request.Query);
        }

        var warnings = request.LintMode == LintMode.Off ? [] : compiled.Warnings;
        if (request.LintMode == LintMode.Strict && warnings.Count > 0)
        {
            throw ApiException.BadRequest("the query fails lint_mode strict: " + string.Join("; ", warnings.Select(w => $"{w.Code}: {w.Message}{At(w.Position, request.Query)}")));
        }

        // A chart's grouping over a log, or an experiment list's, is answered from hourly rollups when they give the
        // same answer; then it reads no history, and saying it scans the whole history would only mislead.
        var fromRollups = request.Format == "parquet" ? null
            : await rollups.TryAnswerAsync(query, resolved.Source, request.Options, http.RequestAborted);
        if (fromRollups is not null)
        {
            warnings = [.. warnings.Where(w => w.Code != LintCodes.FullScan)];
        }
        Rows rows = fromRollups is null
            ? onRow => runner.RunAsync(compiled, resolved.IdentityByObject, onRow, http.RequestAborted)
            : async onRow =>
            {
                foreach (var row in fromRollups)
                {
                    await onRow(row);
                }

                return null;
            };
        switch (request.Format)
        {
            case "jsonl":
                await WriteLinesAsync(http, rows);
                break;
            case "parquet":
                await BtqlParquet.WriteAsync(http, runner, compiled, resolved);
                break;
            default:
                // An empty answer is when a misspelt field is most likely, and checking for it is cheap.
                Func<Task<IReadOnlyList<LintWarning>>> whenEmpty = request.LintMode == LintMode.Off
                    ? () => Task.FromResult<IReadOnlyList<LintWarning>>([])
                    : () => MissingFieldsAsync(runner, query, resolved, request.Options, http.RequestAborted);
                await WriteJsonAsync(http, rows, warnings, whenEmpty);
                break;
        }
    }

    /// <summary>Fields the filter reads below the top level (<c>metadata.x</c>) that no row of the source has; at most three are checked.</summary>
    private static async Task<IReadOnlyList<LintWarning>> MissingFieldsAsync(
        QueryRunner runner, ParsedQuery query, ResolvedSource resolved, QueryOptions options, CancellationToken cancellationToken)
    {
        var missing = new List<LintWarning>();
        foreach (var path in Paths(query.Filter).Where(p => p.Segments.Count > 1).DistinctBy(Describe).Take(3))
        {
            var probe = query with
            {
                From = query.From with { Shape = QueryShape.Spans },
                Select = [new SelectItem(new FieldPath([new NameSegment("id")]), null)],
                Dimensions = [],
                Measures = [],
                Filter = new IsNullExpr(path, Negated: true),
                Having = null,
                Sort = [],
                Limit = 1,
                Cursor = null,
            };
            var found = false;
            await runner.RunAsync(QueryCompiler.Compile(probe, resolved.Source, runner.Dialect, options), resolved.IdentityByObject, _ =>
            {
                found = true;
                return ValueTask.CompletedTask;
            }, cancellationToken);
            if (!found)
            {
                missing.Add(new LintWarning(LintCodes.UnknownField, $"no row has a value at {Describe(path)}", query.Positions.Find(path)));
            }
        }

        return missing;
    }

    private static IEnumerable<FieldPath> Paths(Expr? expression) => expression switch
    {
        FieldPath path => [path],
        UnaryExpr unary => Paths(unary.Operand),
        BinaryExpr binary => Paths(binary.Left).Concat(Paths(binary.Right)),
        LogicalExpr logical => logical.Operands.SelectMany(Paths),
        IsNullExpr isNull => Paths(isNull.Operand),
        InExpr inList => Paths(inList.Operand),
        CastExpr cast => Paths(cast.Operand),
        _ => [],
    };

    private static string Describe(FieldPath path) =>
        string.Concat(path.Segments.Select((s, i) => s switch
        {
            NameSegment n => (i == 0 ? "" : ".") + n.Name,
            IndexSegment x => $"[{x.Index}]",
            _ => "",
        }));

    internal static ParsedQuery Parse(JsonNode query)
    {
        try
        {
            return query is JsonValue value && value.GetValueKind() == JsonValueKind.String
                ? QueryParser.Parse((string)value!)
                : JsonQueryReader.Read(JsonSerializer.SerializeToElement(query));
        }
        catch (QueryError e)
        {
            throw BadQuery(e, query);
        }
    }

    private static ApiException BadQuery(QueryError error, JsonNode query) => ApiException.BadRequest(error.Message + At(error.Position, query));

    /// <summary>" at line 1, column 8" for text queries; the JSON form has no text to point into.</summary>
    private static string At(SourcePosition? position, JsonNode query) =>
        position is { } p && query.GetValueKind() == JsonValueKind.String ? $" (at line {p.Line}, column {p.Column})" : "";

    /// <summary>
    /// Rows are buffered until the page ends or passes <see cref="BufferedBytes"/>; a page that ends first gets its
    /// cursor in the <c>x-bt-cursor</c> header too. Past that the response streams and the cursor is only in the body.
    /// </summary>
    private static async Task WriteJsonAsync(
        HttpContext http, Rows rows, IReadOnlyList<LintWarning> warnings, Func<Task<IReadOnlyList<LintWarning>>> whenEmpty)
    {
        var output = new PageWriter(http, "application/json; charset=utf-8");
        await output.WriteAsync("{\"data\":[");
        var first = true;
        var cursor = await rows(async row =>
        {
            await output.WriteAsync(first ? row : "," + row);
            first = false;
        });
        if (first)
        {
            warnings = [.. warnings, .. await whenEmpty()];
        }

        var tail = new StringBuilder("]");
        tail.Append(",\"cursor\":").Append(cursor is null ? "null" : JsonSerializer.Serialize(cursor));
        if (warnings.Count > 0)
        {
            tail.Append(",\"warnings\":").Append(JsonSerializer.Serialize(warnings.Select(w => new
            {
                code = w.Code,
                message = w.Message,
                line = w.Position?.Line,
                column = w.Position?.Column,
            }), JsonResults.Options));
        }

        tail.Append('}');
        await output.WriteAsync(tail.ToString());
        await output.EndAsync(cursor);
    }

    private static async Task WriteLinesAsync(HttpContext http, Rows rows)
    {
        var output = new PageWriter(http, "application/x-ndjson; charset=utf-8");
        var cursor = await rows(row => output.WriteAsync(row + "\n"));
        await output.EndAsync(cursor);
    }

    /// <summary>Sends each row of the answer, as JSON text, to a writer; returns the next page's cursor.</summary>
    private delegate Task<string?> Rows(Func<string, ValueTask> onRow);

    /// <summary>Buffers the start of a response so headers can still be set at its end, then streams.</summary>
    private sealed class PageWriter(HttpContext http, string contentType)
    {
        private readonly MemoryStream _buffer = new();
        private bool _streaming;

        public async ValueTask WriteAsync(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (_streaming)
            {
                await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
                return;
            }

            _buffer.Write(bytes);
            if (_buffer.Length > BufferedBytes)
            {
                http.Response.ContentType = contentType;
                _streaming = true;
                _buffer.Position = 0;
                await _buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
                _buffer.SetLength(0);
            }
        }

        public async Task EndAsync(string? cursor)
        {
            if (_streaming)
            {
                return;
            }

            http.Response.ContentType = contentType;
            if (cursor is not null)
            {
                http.Response.Headers["x-bt-cursor"] = cursor;
            }

            http.Response.ContentLength = _buffer.Length;
            _buffer.Position = 0;
            await _buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
    }
}

/// <summary>The body of <c>POST /btql</c>: the query and the settings Braid honours (others Braintrust accepts are ignored).</summary>
public sealed record BtqlRequest(JsonNode Query, string Format, LintMode LintMode, QueryOptions Options)
{
    public static BtqlRequest Read(JsonObject body)
    {
        var query = body["query"] ?? throw ApiException.BadRequest("query: required (query text, or the parsed-query object the SDKs send)");
        if (query.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Object))
        {
            throw ApiException.BadRequest($"query: must be a string or an object, not {JsonBody.Describe(query)}");
        }

        var format = body["fmt"] is { } fmt ? Text(fmt, "fmt") : "json";
        if (format is not ("json" or "jsonl" or "parquet"))
        {
            throw ApiException.BadRequest($"fmt: must be json, jsonl or parquet, not '{format}'");
        }

        var lint = (body["lint_mode"] is { } l ? Text(l, "lint_mode") : "default") switch
        {
            "default" or "warn" => LintMode.Default,
            "off" or "none" => LintMode.Off,
            "strict" or "error" => LintMode.Strict,
            var other => throw ApiException.BadRequest($"lint_mode: must be default, off or strict, not '{other}'"),
        };
        var options = new QueryOptions
        {
            Version = body["version"] is { } v ? Version(v) : null,
            TzOffsetMinutes = body["tz_offset"] is { } tz ? TzOffset(tz) : 0,
            DisableLimit = body["disable_limit"] is { } d && Bool(d, "disable_limit"),

            // The SDK sends it beside the query and, in the JSON form, inside it too.
            AuditLog = (body["audit_log"] is { } audit && Bool(audit, "audit_log")) ||
                (query is JsonObject parsed && parsed["audit_log"] is { } inner && Bool(inner, "query.audit_log")),
        };

        return new BtqlRequest(query, format, lint, options);
    }

    private static string Text(JsonNode node, string name) =>
        node.GetValueKind() == JsonValueKind.String ? (string)node! : throw ApiException.BadRequest($"{name}: must be a string, not {JsonBody.Describe(node)}");

    private static bool Bool(JsonNode node, string name) => node.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw ApiException.BadRequest($"{name}: must be true or false, not {JsonBody.Describe(node)}"),
    };

    private static long? Version(JsonNode node)
    {
        var text = node.GetValueKind() switch
        {
            JsonValueKind.String => (string)node!,
            JsonValueKind.Number => node.ToJsonString(),
            JsonValueKind.Null => null,
            _ => throw ApiException.BadRequest($"version: must be a transaction id, not {JsonBody.Describe(node)}"),
        };
        return text is null ? null
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version
            : throw ApiException.BadRequest($"version: '{text}' is not a transaction id");
    }

    private static int TzOffset(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var minutes) && Math.Abs(minutes) <= 24 * 60
            ? minutes
            : throw ApiException.BadRequest("tz_offset: must be whole minutes between -1440 and 1440 (480 for UTC-8)");
}
