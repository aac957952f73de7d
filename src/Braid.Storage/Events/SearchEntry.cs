using System.Text;
using System.Text.Json.Nodes;
using Braid.Query.Search;

namespace Braid.Storage.Events;

/// <summary>
/// A row version's search tokens (<see cref="SearchTokens.ForRow"/>) in the form its store indexes them
/// (migration 0004). Built from the row before it reaches the writer whenever the row is known that early.
/// </summary>
public sealed class SearchEntry
{
    private SearchEntry(string?[]? columns, string? tagged)
    {
        Columns = columns;
        Tagged = tagged;
    }

    /// <summary>
    /// SQLite: the <c>event_search</c> columns in <see cref="SearchTokens.Fields"/> order, each the field's tokens joined
    /// by spaces (its ascii tokenizer splits there and nowhere else, as tokens hold only letters, digits and marks);
    /// null for a field without tokens.
    /// </summary>
    public string?[]? Columns { get; }

    /// <summary>
    /// PostgreSQL: every <c>field:token</c> of the row joined by spaces, which <c>string_to_array(.., ' ')</c> turns into
    /// <c>event_history.search_tokens</c>. One text rather than an array so a bulk insert can pass one per row
    /// (unnest flattens an array of arrays).
    /// </summary>
    public string? Tagged { get; }

    public static SearchEntry For(JsonObject row, SqlDialect dialect)
    {
        var fields = SearchTokens.ForRow(row);
        if (dialect.HasSearchTokensColumn)
        {
            var tagged = new StringBuilder();
            foreach (var (field, tokens) in fields)
            {
                foreach (var token in tokens)
                {
                    tagged.Append(tagged.Length == 0 ? "" : " ").Append(field).Append(':').Append(token);
                }
            }

            return new SearchEntry(null, tagged.ToString());
        }

        var columns = new string?[SearchTokens.Fields.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            if (fields.TryGetValue(SearchTokens.Fields[i], out var tokens) && tokens.Count > 0)
            {
                columns[i] = string.Join(' ', tokens);
            }
        }

        return new SearchEntry(columns, null);
    }
}
