using System.Text.Json;

namespace Braid.Query.Syntax;

/// <summary>
/// Reads the parsed-query object the SDKs send to <c>POST /btql</c> instead of text, e.g.
/// <c>{"select":[{"op":"star"}],"from":{"op":"function","name":{"op":"ident","name":["dataset"]},"args":[…]},"filter":…}</c>,
/// into the same <see cref="ParsedQuery"/> the text parsers produce. JSON has no line numbers, so a
/// <see cref="QueryError"/> from here names the JSON path in its message and points at the start.
/// </summary>
public static class JsonQueryReader
{
    private static readonly Dictionary<string, BinaryOperator> BinaryOps = new(StringComparer.Ordinal)
    {
        ["eq"] = BinaryOperator.Equal,
        ["ne"] = BinaryOperator.NotEqual,
        ["lt"] = BinaryOperator.Less,
        ["le"] = BinaryOperator.LessOrEqual,
        ["gt"] = BinaryOperator.Greater,
        ["ge"] = BinaryOperator.GreaterOrEqual,
        ["add"] = BinaryOperator.Add,
        ["sub"] = BinaryOperator.Subtract,
        ["mul"] = BinaryOperator.Multiply,
        ["div"] = BinaryOperator.Divide,
        ["mod"] = BinaryOperator.Modulo,
        ["like"] = BinaryOperator.Like,
        ["ilike"] = BinaryOperator.ILike,
        ["match"] = BinaryOperator.Match,
        ["includes"] = BinaryOperator.Includes,
        ["contains"] = BinaryOperator.Includes,
    };

    public static ParsedQuery Read(JsonElement query)
    {
        Require(query, JsonValueKind.Object, "$");
        var from = ReadFrom(Property(query, "from", "$") ?? throw Error("$", "query has no 'from'"));
        var filter = Property(query, "filter", "$") is { } f ? ReadExpr(f, "$.filter", 0) : null;
        var select = ReadItems(query, "select");
        var dimensions = ReadItems(query, "dimensions");
        var measures = ReadItems(query, "measures");
        if (select.Count == 0 && dimensions.Count == 0 && measures.Count == 0)
        {
            throw Error("$", "query has no 'select', 'dimensions' or 'measures'");
        }
        var sort = new List<SortItem>();
        if (Property(query, "sort", "$") is { } sortArray)
        {
            Require(sortArray, JsonValueKind.Array, "$.sort");
            var i = 0;
            foreach (var entry in sortArray.EnumerateArray())
            {
                var path = $"$.sort[{i++}]";
                Require(entry, JsonValueKind.Object, path);
                var direction = Property(entry, "dir", path) is { } dir ? ReadString(dir, path + ".dir") : "asc";
                sort.Add(new SortItem(
                    ReadExpr(Property(entry, "expr", path) ?? throw Error(path, "sort entry has no 'expr'"), path + ".expr", 0),
                    direction switch
                    {
                        "asc" => SortDirection.Ascending,
                        "desc" => SortDirection.Descending,
                        _ => throw Error(path + ".dir", $"unknown sort direction '{direction}'"),
                    }));
            }
        }
        long? limit = null;
        if (Property(query, "limit", "$") is { } limitValue)
        {
            if (limitValue.ValueKind != JsonValueKind.Number || !limitValue.TryGetInt64(out var l) || l < 0)
            {
                throw Error("$.limit", "limit must be a non-negative whole number");
            }
            limit = l;
        }
        var cursor = Property(query, "cursor", "$") is { } c ? ReadString(c, "$.cursor") : null;
        return new ParsedQuery(from, select, dimensions, measures, filter, null, sort.ToEquatableList(), limit, cursor);
    }

    private static FromClause ReadFrom(JsonElement from)
    {
        const string Path = "$.from";
        Require(from, JsonValueKind.Object, Path);
        if (ReadOp(from, Path) != "function")
        {
            throw Error(Path, "'from' must be a function such as project_logs('<id>')");
        }
        var source = ReadIdent(Property(from, "name", Path) ?? throw Error(Path, "'from' has no 'name'"), Path + ".name");
        if (source.Count != 1 || source[0] is not NameSegment { Name: var name } || !FromClause.Sources.Contains(name))
        {
            throw Error(Path + ".name", "unknown source");
        }
        var ids = new List<string>();
        if (Property(from, "args", Path) is { } args)
        {
            Require(args, JsonValueKind.Array, Path + ".args");
            var i = 0;
            foreach (var arg in args.EnumerateArray())
            {
                var argPath = $"{Path}.args[{i++}]";
                if (ReadExpr(arg, argPath, 0) is not StringLiteral id)
                {
                    throw Error(argPath, "source arguments must be string literals");
                }
                ids.Add(id.Value);
            }
        }
        QueryShape? shape = Property(from, "shape", Path) is { } s
            ? ReadString(s, Path + ".shape") switch
            {
                "spans" => QueryShape.Spans,
                "traces" => QueryShape.Traces,
                "summary" => QueryShape.Summary,
                var other => throw Error(Path + ".shape", $"unknown shape '{other}'"),
            }
            : null;
        return new FromClause(name, ids.ToEquatableList(), shape);
    }

    private static EquatableList<SelectItem> ReadItems(JsonElement query, string name)
    {
        if (Property(query, name, "$") is not { } array)
        {
            return [];
        }
        var path = "$." + name;
        Require(array, JsonValueKind.Array, path);
        var items = new List<SelectItem>();
        var i = 0;
        foreach (var entry in array.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            Require(entry, JsonValueKind.Object, itemPath);
            // Aliased items are {"expr": …, "alias": "name"}; a bare expression has no alias.
            if (Property(entry, "expr", itemPath) is { } expr)
            {
                var alias = Property(entry, "alias", itemPath) is { } a ? ReadAlias(a, itemPath + ".alias") : null;
                items.Add(new SelectItem(ReadExpr(expr, itemPath + ".expr", 0), alias));
            }
            else
            {
                items.Add(new SelectItem(ReadExpr(entry, itemPath, 0), null));
            }
        }
        return items.ToEquatableList();
    }

    private static string ReadAlias(JsonElement alias, string path) => alias.ValueKind == JsonValueKind.String
        ? alias.GetString()!
        : ReadIdent(alias, path) is [NameSegment { Name: var name }] ? name : throw Error(path, "alias must be a single name");

    private static Expr ReadExpr(JsonElement node, string path, int depth)
    {
        if (depth > ParserLimits.MaxDepth)
        {
            throw Error(path, $"expression is nested more than {ParserLimits.MaxDepth} levels deep");
        }
        Require(node, JsonValueKind.Object, path);
        var op = ReadOp(node, path);
        if (BinaryOps.TryGetValue(op, out var binary))
        {
            return new BinaryExpr(binary, Child(node, "left", path, depth), Child(node, "right", path, depth));
        }
        switch (op)
        {
            case "literal":
                return ReadLiteral(Property(node, "value", path) ?? throw Error(path, "literal has no 'value'"), path + ".value");
            case "ident":
                return new FieldPath(ReadIdent(node, path));
            case "star":
                return new StarExpr();
            case "and" or "or":
                return ReadLogical(node, op == "and" ? LogicalOperator.And : LogicalOperator.Or, path, depth);
            case "not":
                return new UnaryExpr(UnaryOperator.Not, Child(node, "expr", path, depth));
            case "neg":
                return new UnaryExpr(UnaryOperator.Negate, Child(node, "expr", path, depth));
            case "isnull" or "isnotnull":
                return new IsNullExpr(Child(node, "expr", path, depth), op == "isnotnull");
            case "in":
                return ReadIn(node, path, depth);
            case "function":
                var name = ReadIdent(Property(node, "name", path) ?? throw Error(path, "function has no 'name'"), path + ".name");
                if (name is not [NameSegment { Name: var functionName }])
                {
                    throw Error(path + ".name", "function name must be a single name");
                }
                return new FunctionCall(functionName.ToLowerInvariant(), ReadArray(node, "args", path, depth));
            default:
                throw Error(path, $"unknown op '{op}'");
        }
    }

    private static Expr Child(JsonElement node, string name, string path, int depth) =>
        ReadExpr(Property(node, name, path) ?? throw Error(path, $"'{name}' is missing"), $"{path}.{name}", depth + 1);

    private static EquatableList<Expr> ReadArray(JsonElement node, string name, string path, int depth)
    {
        if (Property(node, name, path) is not { } array)
        {
            return [];
        }
        Require(array, JsonValueKind.Array, $"{path}.{name}");
        var items = new List<Expr>();
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            items.Add(ReadExpr(item, $"{path}.{name}[{i++}]", depth + 1));
        }
        return items.ToEquatableList();
    }

    // `and`/`or` carry `children`; a two-operand form with left/right is accepted too.
    private static LogicalExpr ReadLogical(JsonElement node, LogicalOperator op, string path, int depth)
    {
        var operands = Property(node, "children", path) is not null
            ? ReadArray(node, "children", path, depth)
            : [Child(node, "left", path, depth), Child(node, "right", path, depth)];
        if (operands.Count == 0)
        {
            throw Error(path, "'children' is empty");
        }
        return new LogicalExpr(op, operands);
    }

    // The list may be a JSON array of expressions or one literal whose value is an array.
    private static InExpr ReadIn(JsonElement node, string path, int depth)
    {
        var operand = Child(node, "left", path, depth);
        var right = Property(node, "right", path) ?? throw Error(path, "'right' is missing");
        if (right.ValueKind == JsonValueKind.Array)
        {
            return new InExpr(operand, ReadArray(node, "right", path, depth), false);
        }
        Require(right, JsonValueKind.Object, path + ".right");
        var value = ReadOp(right, path + ".right") == "literal" ? Property(right, "value", path + ".right") : null;
        if (value is not { ValueKind: JsonValueKind.Array } values)
        {
            throw Error(path + ".right", "IN needs an array of values");
        }
        var i = 0;
        return new InExpr(operand, values.EnumerateArray().Select(v => ReadLiteral(v, $"{path}.right.value[{i++}]")).ToEquatableList(), false);
    }

    private static Expr ReadLiteral(JsonElement value, string path) => value.ValueKind switch
    {
        JsonValueKind.String => new StringLiteral(value.GetString()!),
        JsonValueKind.True => new BooleanLiteral(true),
        JsonValueKind.False => new BooleanLiteral(false),
        JsonValueKind.Null => new NullLiteral(),
        JsonValueKind.Number when value.TryGetDecimal(out var number) =>
            new NumberLiteral(number, !value.GetRawText().AsSpan().ContainsAny(".eE")),
        _ => throw Error(path, "literal must be a string, number, boolean or null"),
    };

    private static EquatableList<PathSegment> ReadIdent(JsonElement node, string path)
    {
        Require(node, JsonValueKind.Object, path);
        if (ReadOp(node, path) != "ident")
        {
            throw Error(path, "expected an ident");
        }
        var names = Property(node, "name", path) ?? throw Error(path, "ident has no 'name'");
        Require(names, JsonValueKind.Array, path + ".name");
        var segments = new List<PathSegment>();
        foreach (var part in names.EnumerateArray())
        {
            segments.Add(part.ValueKind switch
            {
                JsonValueKind.String => new NameSegment(part.GetString()!),
                JsonValueKind.Number when part.TryGetInt64(out var index) => new IndexSegment(index),
                _ => throw Error(path + ".name", "path parts must be strings or whole numbers"),
            });
        }
        if (segments.Count == 0)
        {
            throw Error(path + ".name", "ident has an empty name");
        }
        return segments.ToEquatableList();
    }

    private static string ReadOp(JsonElement node, string path) =>
        ReadString(Property(node, "op", path) ?? throw Error(path, "node has no 'op'"), path + ".op");

    private static string ReadString(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(path, "expected a string");

    // JSON null counts as absent, matching how the SDKs serialize optional fields.
    private static JsonElement? Property(JsonElement node, string name, string path)
    {
        Require(node, JsonValueKind.Object, path);
        return node.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    private static void Require(JsonElement node, JsonValueKind kind, string path)
    {
        if (node.ValueKind != kind)
        {
            throw Error(path, $"expected a JSON {kind.ToString().ToLowerInvariant()}");
        }
    }

    private static QueryError Error(string path, string message) => new($"{path}: {message}", SourcePosition.Start);
}
