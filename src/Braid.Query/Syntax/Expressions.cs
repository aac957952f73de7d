namespace Braid.Query.Syntax;

/// <summary>An expression in a select list, filter, sort key, dimension or measure.</summary>
public abstract record Expr;

public sealed record StringLiteral(string Value) : Expr;

public sealed record NumberLiteral(decimal Value, bool IsInteger) : Expr;

public sealed record BooleanLiteral(bool Value) : Expr;

public sealed record NullLiteral : Expr;

/// <summary><c>interval 3 day</c>; the unit is singular and lower case.</summary>
public sealed record IntervalLiteral(decimal Amount, string Unit) : Expr;

/// <summary><c>*</c> in a select list or in <c>count(*)</c>.</summary>
public sealed record StarExpr : Expr;

/// <summary>A column or JSON path such as <c>metadata.a."b c"[0]['k']</c>.</summary>
public sealed record FieldPath(EquatableList<PathSegment> Segments) : Expr;

public abstract record PathSegment;

public sealed record NameSegment(string Name) : PathSegment;

/// <summary>An array index; negative values count from the end (<c>tags[-1]</c>).</summary>
public sealed record IndexSegment(long Index) : PathSegment;

public enum UnaryOperator
{
    Not,
    Negate,
}

public sealed record UnaryExpr(UnaryOperator Operator, Expr Operand) : Expr;

public enum BinaryOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Like,
    NotLike,
    ILike,
    NotILike,
    Match,
    NotMatch,
    Includes,
    NotIncludes,
}

public sealed record BinaryExpr(BinaryOperator Operator, Expr Left, Expr Right) : Expr;

public enum LogicalOperator
{
    And,
    Or,
}

/// <summary>
/// AND/OR chains are n-ary (as in the SDK's JSON form, whose <c>and</c> has <c>children</c>) so that
/// a filter of many conditions stays one level deep instead of one level per condition.
/// </summary>
public sealed record LogicalExpr(LogicalOperator Operator, EquatableList<Expr> Operands) : Expr;

public sealed record IsNullExpr(Expr Operand, bool Negated) : Expr;

public sealed record InExpr(Expr Operand, EquatableList<Expr> Values, bool Negated) : Expr;

/// <summary>A call such as <c>count(*)</c> or <c>date_trunc('day', created)</c>; the name is lower case.</summary>
public sealed record FunctionCall(string Name, EquatableList<Expr> Arguments) : Expr
{
    public static readonly IReadOnlySet<string> Aggregates =
        new HashSet<string>(["count", "count_distinct", "sum", "avg", "min", "max", "percentile", "approx_percentile"], StringComparer.Ordinal);

    public bool IsAggregate => Aggregates.Contains(Name);
}

/// <summary><c>x::int</c> or <c>cast(x as int)</c>; the type name is lower case.</summary>
public sealed record CastExpr(Expr Operand, string TypeName) : Expr;

/// <summary><c>CASE WHEN … END</c>; the ternary <c>c ? a : b</c> is a one-branch case.</summary>
public sealed record CaseExpr(EquatableList<WhenClause> Branches, Expr? Else) : Expr;

public sealed record WhenClause(Expr Condition, Expr Result);
