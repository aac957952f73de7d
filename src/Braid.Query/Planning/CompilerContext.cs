using Braid.Query.Lint;
using Braid.Query.Syntax;

namespace Braid.Query.Planning;

/// <summary>What every expression compiler of one query shares: its dialect, parameters, source, options and warnings.</summary>
internal sealed class CompilerContext(QueryDialect dialect, QuerySource source, QueryOptions options, SourceMap positions)
{
    private readonly List<LintWarning> _warnings = [];

    public QueryDialect Dialect { get; } = dialect;

    public QuerySource Source { get; } = source;

    public QueryOptions Options { get; } = options;

    public SourceMap Positions { get; } = positions;

    public SqlParameters Parameters { get; } = new();

    public IReadOnlyList<LintWarning> Warnings => _warnings;

    public void Warn(string code, string message, SourcePosition? position)
    {
        // One warning per code and place, however often the compiler passes it.
        if (!_warnings.Exists(w => w.Code == code && w.Message == message && w.Position == position))
        {
            _warnings.Add(new LintWarning(code, message, position));
        }
    }
}
