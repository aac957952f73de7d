using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Braid.Query.Planning;

/// <summary>A page of results as JSON rows, and the cursor to the next page (null on the last).</summary>
public sealed record ResultPage(IReadOnlyList<string> Rows, string? Cursor);

/// <summary>
/// Reads a <see cref="CompiledQuery"/>'s statement into JSON rows: counts units (traces or rows) against the limit,
/// skips the placeholder rows of traces that <c>filter_spans</c> emptied, and makes the next page's cursor from the
/// last unit's key.
/// </summary>
public sealed class ResultReader(CompiledQuery query, IReadOnlyDictionary<string, string> identityByObject)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private object?[]? _lastKey;
    private object?[]? _emittedKey;
    private long _units;

    /// <summary>Rows are streamed to <paramref name="emit"/> as they are read; returns the next page's cursor.</summary>
    public async Task<string?> ReadAsync(DbDataReader reader, Func<string, ValueTask> emit, CancellationToken cancellationToken)
    {
        var keyStart = query.LayoutColumns + (query.HasPresence ? 1 : 0);
        var more = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new object?[query.KeyColumns];
            for (var i = 0; i < key.Length; i++)
            {
                key[i] = reader.IsDBNull(keyStart + i) ? null : reader.GetValue(keyStart + i);
            }

            var newUnit = query.CursorKind == CursorKind.Offset || _lastKey is null || !key.SequenceEqual(_lastKey);
            if (newUnit)
            {
                if (query.Limit is { } limit && _units == limit)
                {
                    more = true;
                    break;
                }

                _units++;
                _lastKey = key;
            }

            _emittedKey = key;
            if (query.HasPresence && reader.IsDBNull(query.LayoutColumns))
            {
                continue;
            }

            await emit(Row(reader));
        }

        // A limit of 0 asks for no rows rather than for pages: there is no last row to continue after (and an offset
        // cursor of +0 would page forever).
        if (!more || _units == 0)
        {
            return null;
        }

        return query.CursorKind == CursorKind.Offset
            ? new QueryCursor(CursorKind.Offset, query.Shape, [], query.Offset + _units).Encode()
            : new QueryCursor(CursorKind.Keyset, query.Shape, _emittedKey!.Select(Normalize).ToList(), 0).Encode();
    }

    private static object? Normalize(object? value) => value switch
    {
        null => null,
        string s => s,
        long l => l,
        int i => (long)i,
        decimal d => (long)d,
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    private string Row(DbDataReader reader)
    {
        switch (query.Layout)
        {
            case RowLayout.Spans:
                return SpanRow(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
            case RowLayout.Summary:
                return Splice(reader.GetString(0), null, reader.GetString(1));
        }

        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            writer.WriteStartObject();
            for (var i = 0; i < query.Columns.Count; i++)
            {
                var column = query.Columns[i];
                writer.WritePropertyName(column.Name);
                if (reader.IsDBNull(i))
                {
                    writer.WriteNullValue();
                    continue;
                }

                switch (column.Kind)
                {
                    case ValueKind.Json:
                        writer.WriteRawValue(reader.GetString(i), skipInputValidation: true);
                        break;
                    case ValueKind.Number:
                        WriteNumber(writer, reader.GetValue(i));
                        break;
                    case ValueKind.Bool:
                        writer.WriteBooleanValue(reader.GetValue(i) switch
                        {
                            bool b => b,
                            var n => Convert.ToInt64(n, CultureInfo.InvariantCulture) != 0,
                        });
                        break;
                    default:
                        writer.WriteStringValue(reader.GetValue(i) is string s ? s : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture));
                        break;
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private static void WriteNumber(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case decimal d:
                writer.WriteNumberValue(d);
                break;
            default:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                // A whole double prints as an integer (sum(1) is 1, not 1.0), as on the other store.
                if (double.IsFinite(number) && number == Math.Floor(number) && Math.Abs(number) < 9e15)
                {
                    writer.WriteNumberValue((long)number);
                }
                else if (double.IsFinite(number))
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    writer.WriteNullValue();
                }

                break;
        }
    }

    /// <summary>A stored row with its log's identity, <c>_xact_id</c> and <c>_pagination_key</c> in front, without parsing it.</summary>
    private string SpanRow(string objectId, long xact, long seq, string data) =>
        Splice(objectId, $"\"_xact_id\":\"{xact.ToString("D19", CultureInfo.InvariantCulture)}\",\"_pagination_key\":\"p{seq.ToString("D20", CultureInfo.InvariantCulture)}\"", data);

    private string Splice(string objectId, string? fields, string data)
    {
        var rest = data.AsSpan().TrimStart()[1..].TrimStart();
        var identity = identityByObject.TryGetValue(objectId, out var id) ? id : "";
        var head = string.Join(",", new[] { identity, fields ?? "" }.Where(p => p.Length > 0));
        var separator = head.Length == 0 || rest.StartsWith("}") ? "" : ",";
        return string.Concat("{", head, separator, rest);
    }
}
