namespace Braid.Query.Planning;

/// <summary>
/// The SQL spellings that differ between the two stores. Methods take SQL fragments the compiler built (never
/// user text) and parameter placeholders; everything else the compiler emits is SQL both stores accept.
/// </summary>
public abstract class QueryDialect
{
    public static readonly QueryDialect Sqlite = new SqliteQueryDialect();
    public static readonly QueryDialect Postgres = new PostgresQueryDialect();

    /// <summary>The canonical timestamp text: ISO-8601, UTC, milliseconds, so text order is time order.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public abstract string Name { get; }

    /// <summary>A path of names (strings) and array indexes (longs, negative from the end) as a parameter value.</summary>
    public abstract object PathParameter(IReadOnlyList<object> segments);

    /// <summary>The JSON at <paramref name="pathParameter"/> in the JSON <paramref name="document"/>.</summary>
    public abstract SqlValue JsonAt(string document, string pathParameter, string topField, int depth);

    /// <summary>A JSON value as text when it is a JSON string, else NULL.</summary>
    public abstract string JsonText(SqlValue json);

    /// <summary>A JSON value as a number when it is a JSON number, else NULL.</summary>
    public abstract string JsonNumber(SqlValue json);

    /// <summary>A JSON value as a boolean when it is true or false, else NULL.</summary>
    public abstract string JsonBool(SqlValue json);

    /// <summary>A predicate: the JSON value is missing or JSON null.</summary>
    public abstract string JsonIsNull(SqlValue json);

    /// <summary>A JSON string's text, any other JSON value's JSON text, and NULL for JSON null or a missing value.</summary>
    public abstract string PreviewText(SqlValue json);

    /// <summary>The JSON value as JSON text, for output and for grouping.</summary>
    public abstract string JsonOutput(SqlValue json);

    /// <summary>A JSON value from a SQL value of another kind.</summary>
    public abstract string ToJson(SqlValue value);

    /// <summary>
    /// A value as a member of <see cref="BuildObject"/>: as <see cref="ToJson"/>, except that a NULL may come out as JSON
    /// null, which is what an object member holding a NULL is anyway.
    /// </summary>
    public virtual string Member(SqlValue value) => ToJson(value);

    /// <summary>JSON from a parameter holding JSON text.</summary>
    public abstract string JsonParameter(string parameter);

    /// <summary>A JSON value equal to a JSON literal (a parameter holding JSON text).</summary>
    public abstract string JsonEquals(SqlValue json, string literalParameter);

    /// <summary>The JSON array value contains an element equal to the JSON literal.</summary>
    public abstract string ArrayIncludes(SqlValue json, string literalParameter);

    /// <summary>The number of elements of a JSON array (NULL for other values).</summary>
    public abstract string ArrayLength(SqlValue json);

    /// <summary>A comparison of two texts by code point, whatever the database's collation.</summary>
    public abstract string CompareText(string left, string op, string right);

    /// <summary>A text equal to any of the texts, compared by code point as <see cref="CompareText"/> compares.</summary>
    public abstract string TextIn(string text, IReadOnlyList<string> texts);

    /// <summary>LIKE with <c>%</c>, <c>_</c> and <c>\</c> escapes; case-sensitive unless <paramref name="ignoreCase"/>.</summary>
    public abstract string Like(string text, string pattern, bool ignoreCase);

    public abstract string BoolLiteral(bool value);

    /// <summary>A number parameter typed so arithmetic on it is floating point.</summary>
    public abstract string NumberParameter(string parameter);

    public abstract string TextParameter(string parameter);

    public abstract string Divide(string left, string right);

    public abstract string Modulo(string left, string right);

    public abstract string Round(string number, string places);

    public abstract string Concat(IReadOnlyList<string> texts);

    public abstract string NumberToText(string number);

    /// <summary>A text as a number when it reads as one, else NULL.</summary>
    public abstract string TextToNumber(string text);

    public abstract string Greatest(IReadOnlyList<string> values);

    public abstract string Least(IReadOnlyList<string> values);

    /// <summary>The canonical timestamp text of a text that reads as a date-time, else NULL.</summary>
    public abstract string ToTimestamp(string text);

    /// <summary>The canonical timestamp of epoch seconds; NULL outside the years 0001-9999.</summary>
    public abstract string FromEpochSeconds(string seconds);

    /// <summary>0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the timestamps both stores can compute and print.</summary>
    protected const long MinEpochSeconds = -62135596800, MaxEpochSeconds = 253402300799;

    public abstract string EpochSeconds(string timestamp);

    /// <summary>Moves a timestamp by a calendar amount of a unit (second … year).</summary>
    public abstract string AddInterval(string timestamp, decimal amount, string unit, SqlParameters parameters);

    /// <summary>
    /// The start of the <paramref name="unit"/> (second … year) holding the timestamp, in a time zone
    /// <paramref name="offsetSeconds"/> east of UTC, as canonical UTC text; or the start of a fixed
    /// <paramref name="bucketSeconds"/>-long bucket when that is positive.
    /// </summary>
    public abstract string Truncate(string timestamp, string unit, long bucketSeconds, long offsetSeconds, SqlParameters parameters);

    public abstract string Percentile(string number, string fraction);

    /// <summary>
    /// The row <paramref name="row"/> (whose <c>history_seq</c> is its stored version) has every token in the field's
    /// full-text index; <paramref name="history"/> is the alias its history row is joined as.
    /// </summary>
    public abstract string SearchMatch(string row, string history, string tokensParameter);

    /// <summary>The parameter value for <see cref="SearchMatch"/>.</summary>
    public abstract object SearchParameter(string field, IReadOnlyList<string> tokens);

    /// <summary>A JSON object of named JSON values (names are parameters).</summary>
    public abstract string BuildObject(IReadOnlyList<(string NameParameter, string Json)> fields);

    /// <summary>
    /// The numeric members of the JSON object at a path (none when it is not an object), as (<c>alias.key</c>,
    /// <see cref="EachValue"/>): a join to append to a FROM clause, and the condition that keeps only those members.
    /// </summary>
    public abstract (string Join, string Where) EachNumber(string document, string pathParameter, string alias);

    public abstract string EachValue(string alias);

    /// <summary>Aggregates (key, JSON value) rows into one JSON object.</summary>
    public abstract string ObjectAggregate(string key, string json);

    /// <summary><c>_pagination_key</c>: 'p' and the version's sequence number in 20 digits.</summary>
    public abstract string PaginationKey(string seq);

    /// <summary><c>_xact_id</c> as text: transaction ids are all 19 digits, so their text order is their order.</summary>
    public abstract string XactText(string xact);

    /// <summary>The <c>_xact_id</c> a control-plane document (prompt, function) carries, as an integer.</summary>
    public abstract string DocumentXact(string document);

    /// <summary>A stored version as an audit-log row: the document with <c>audit_data</c> = <c>{"action": action}</c>.</summary>
    public abstract string WithAuditAction(string document, string action);

    /// <summary>The first <paramref name="length"/> characters of a text.</summary>
    public abstract string Left(string text, string length);

    /// <summary>A stored JSON document as a value that many reads of its parts can share (see PostgreSQL's).</summary>
    public abstract string Detoasted(string document);

    /// <summary>Parses JSON text held in a text value (NULL when it isn't JSON).</summary>
    public abstract string ParseJson(string text);

    public abstract string Lower(string text);

    public abstract string Upper(string text);

    public abstract string TextLength(string text);
}
