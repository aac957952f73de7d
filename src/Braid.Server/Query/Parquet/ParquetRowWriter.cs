using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Braid.Server.Http;
using Parquet;
using Parquet.Schema;
using NetParquetWriter = Parquet.ParquetWriter;

namespace Braid.Server.Query.Parquet;

/// <summary>
/// Writes rows (JSON objects) to a Parquet file, one row group at a time, so an export of any size holds one row
/// group in memory. The output need not seek: an HTTP response body works as well as a file, and the file starts
/// where the output stands. Disposing writes the footer; the output itself is the caller's to close.
/// </summary>
public sealed class ParquetRowWriter : IAsyncDisposable
{
    /// <summary>The default for <see cref="RowGroupBytes"/>.</summary>
    public const long DefaultRowGroupBytes = 64L * 1024 * 1024;

    private readonly ForwardOnlyStream _output;
    private readonly NetParquetWriter _writer;
    private readonly Column[] _columns;
    private readonly Dictionary<string, Column> _byName;
    private readonly Column? _otherFields;
    private readonly Utf8JsonWriter? _otherFieldsJson;
    private int _rows;
    private long _bytes;
    private bool _broken;
    private bool _disposed;

    private ParquetRowWriter(ForwardOnlyStream output, NetParquetWriter writer, Column[] columns)
    {
        _output = output;
        _writer = writer;
        _columns = columns;
        _byName = new Dictionary<string, Column>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (column.Definition.HoldsOtherFields)
            {
                _otherFields = column;
                _otherFieldsJson = new Utf8JsonWriter(column.Text, JsonResults.WriterOptions);
            }
            else
            {
                _byName.Add(column.Definition.Name, column);
            }
        }
    }

    /// <summary>
    /// A row group ends after the row that brings its values past this many bytes of data, so one call with large
    /// rows writes several: memory stays near this size whatever the caller's page, and no page comes near Parquet's
    /// 2 GiB limit (Parquet.Net writes each column of a row group as one page).
    /// </summary>
    public long RowGroupBytes { get; set; } = DefaultRowGroupBytes;

    /// <summary>Starts a Parquet file with <paramref name="columns"/> on <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">No columns, two with one name, or a misplaced <see cref="ParquetColumn.HoldsOtherFields"/>.</exception>
    public static async Task<ParquetRowWriter> CreateAsync(Stream output, IReadOnlyList<ParquetColumn> columns, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite)
        {
            throw new ArgumentException("the output stream is not writable", nameof(output));
        }

        Validate(columns);
        TextColumnTypes.EnsureAvailable();

        var fields = new Column[columns.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new Column(columns[i]);
        }

        var stream = new ForwardOnlyStream(output) { Cancellation = ct };

        // Snappy: every Parquet reader has it, and it costs little time on a response path.
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy };
        var writer = await NetParquetWriter.CreateAsync(new ParquetSchema(fields.Select(c => c.Field)), stream, options, append: false, ct);
        TextColumnTypes.Apply(writer, columns);
        return new ParquetRowWriter(stream, writer, fields);
    }

    /// <summary>
    /// Writes <paramref name="rows"/> (JSON objects) as one row group, or several past <see cref="RowGroupBytes"/>.
    /// A missing key or a JSON null is a null. A String column takes any other value as its JSON text; a Json
    /// column takes every value as its JSON text; Int64, Double and Boolean columns take only their own kind.
    /// No rows, no row group.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A row is not an object, has a field with no column (and there is no <see cref="ParquetColumn.HoldsOtherFields"/>
    /// column), or has a value its column cannot hold. Nothing of the row group it would have been in is written.
    /// </exception>
    public async Task WriteRowGroupAsync(IReadOnlyList<JsonElement> rows, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
        {
            throw new InvalidOperationException("an earlier row group failed part-way; the file cannot be continued");
        }

        // Anything gathered here is left over from a call that threw before writing it.
        Clear(afterWrite: false);
        for (var i = 0; i < rows.Count; i++)
        {
            Add(rows[i], i);
            if (_bytes >= RowGroupBytes)
            {
                await FlushAsync(ct);
            }
        }

        if (_rows > 0)
        {
            await FlushAsync(ct);
        }
    }

    /// <summary>
    /// Writes the footer and flushes the output, unless a row group failed part-way: then the output is left without
    /// a footer, which every reader refuses, rather than with one describing data that is not there.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _otherFieldsJson?.Dispose();
        if (!_broken)
        {
            _output.Cancellation = CancellationToken.None;
            await _writer.DisposeAsync();
        }
    }

    private static void Validate(IReadOnlyList<ParquetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException("a Parquet file needs at least one column", nameof(columns));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var holdsOtherFields = 0;
        foreach (var column in columns)
        {
            if (!names.Add(column.Name))
            {
                throw new ArgumentException($"two columns are named '{column.Name}'", nameof(columns));
            }

            if (column.HoldsOtherFields && (column.Kind != ParquetKind.Json || ++holdsOtherFields > 1))
            {
                throw new ArgumentException("only one column, of kind Json, can hold the other fields", nameof(columns));
            }
        }
    }

    private void Clear(bool afterWrite)
    {
        _rows = 0;
        _bytes = 0;
        foreach (var column in _columns)
        {
            column.Clear(afterWrite);
        }
    }

    private void Add(JsonElement row, int index)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"row {index} is a JSON {row.ValueKind}, not an object", "rows");
        }

        foreach (var column in _columns)
        {
            column.AddNull(_rows);
        }

        var otherFieldsStart = -1;
        foreach (var property in row.EnumerateObject())
        {
            if (_byName.TryGetValue(property.Name, out var column))
            {
                _bytes += column.Set(_rows, property.Value, index);
            }
            else if (_otherFields is not null)
            {
                if (otherFieldsStart < 0)
                {
                    otherFieldsStart = _otherFields.Text.WrittenCount;
                    _otherFieldsJson!.Reset(_otherFields.Text);
                    _otherFieldsJson.WriteStartObject();
                }

                property.WriteTo(_otherFieldsJson!);
            }
            else
            {
                throw new ArgumentException($"row {index} has the field '{property.Name}', which has no column", "rows");
            }
        }

        if (otherFieldsStart >= 0)
        {
            _otherFieldsJson!.WriteEndObject();
            _otherFieldsJson.Flush();
            _bytes += _otherFields!.SetWritten(_rows, otherFieldsStart);
        }

        _rows++;
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        _output.Cancellation = ct;

        // Parquet.Net lists the row group in the footer as soon as it is created, so until every column is written
        // the footer would describe data that is not there.
        _broken = true;
        using (var group = _writer.CreateRowGroup())
        {
            foreach (var column in _columns)
            {
                await column.WriteAsync(group, _rows, ct);
            }

            group.CompleteValidate();
        }

        _broken = false;
        Clear(afterWrite: true);
    }

    /// <summary>One column's values for the row group being gathered.</summary>
    private sealed class Column
    {
        // A String or Json value is a span of Text, or null.
        private (int Start, int Length)?[] _spans = [];
        private long?[] _integers = [];
        private double?[] _doubles = [];
        private bool?[] _booleans = [];

        public Column(ParquetColumn definition)
        {
            Definition = definition;
            Field = definition.Kind switch
            {
                ParquetKind.String or ParquetKind.Json => new DataField<byte[]>(definition.Name, nullable: true),
                ParquetKind.Int64 => new DataField<long>(definition.Name, nullable: true),
                ParquetKind.Double => new DataField<double>(definition.Name, nullable: true),
                ParquetKind.Boolean => new DataField<bool>(definition.Name, nullable: true),
                _ => throw new ArgumentOutOfRangeException(nameof(definition), definition.Kind, "unknown column kind"),
            };
        }

        public ParquetColumn Definition { get; }

        public DataField Field { get; }

        /// <summary>Every String or Json value of the row group, end to end as UTF-8.</summary>
        public ArrayBufferWriter<byte> Text { get; private set; } = new();

        public void Clear(bool afterWrite)
        {
            // The buffer serves the next row group too, unless it is far larger than the one just written needed:
            // one group of huge values must not keep its memory for the rest of an export.
            if (afterWrite && Text.Capacity > 2 * Math.Max(Text.WrittenCount, 64 * 1024))
            {
                Text = new ArrayBufferWriter<byte>();
            }
            else
            {
                Text.ResetWrittenCount();
            }
        }

        public void AddNull(int row)
        {
            switch (Definition.Kind)
            {
                case ParquetKind.String or ParquetKind.Json:
                    Grow(ref _spans, row)[row] = null;
                    break;
                case ParquetKind.Int64:
                    Grow(ref _integers, row)[row] = null;
                    break;
                case ParquetKind.Double:
                    Grow(ref _doubles, row)[row] = null;
                    break;
                case ParquetKind.Boolean:
                    Grow(ref _booleans, row)[row] = null;
                    break;
            }
        }

        /// <summary>Sets the row's value (a JSON null leaves it null) and returns the bytes it adds.</summary>
        public long Set(int row, JsonElement value, int index)
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                return 0;
            }

            switch (Definition.Kind)
            {
                case ParquetKind.String when value.ValueKind == JsonValueKind.String:
                    return AppendString(row, value);
                case ParquetKind.String or ParquetKind.Json:
                    return Append(row, JsonMarshal.GetRawUtf8Value(value));
                case ParquetKind.Int64 when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer):
                    _integers[row] = integer;
                    return sizeof(long);
                case ParquetKind.Double when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number):
                    _doubles[row] = number;
                    return sizeof(double);
                case ParquetKind.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    _booleans[row] = value.GetBoolean();
                    return sizeof(bool);
                default:
                    var text = value.GetRawText();
                    throw new ArgumentException(
                        $"row {index}: column '{Definition.Name}' holds {Definition.Kind} values, not {(text.Length > 100 ? text[..100] + "…" : text)}", "rows");
            }
        }

        /// <summary>Sets the row's value to what was written to <see cref="Text"/> since <paramref name="start"/>.</summary>
        public long SetWritten(int row, int start)
        {
            _spans[row] = (start, Text.WrittenCount - start);
            return Text.WrittenCount - start;
        }

        public async Task WriteAsync(ParquetRowGroupWriter group, int rows, CancellationToken ct)
        {
            switch (Definition.Kind)
            {
                case ParquetKind.String or ParquetKind.Json:
                    var values = ArrayPool<ReadOnlyMemory<byte>?>.Shared.Rent(rows);
                    try
                    {
                        for (var i = 0; i < rows; i++)
                        {
                            // Not `span ? slice : null`: null converts to an empty ReadOnlyMemory (through byte[]), not to a null.
                            values[i] = _spans[i] is { } span ? Text.WrittenMemory.Slice(span.Start, span.Length) : default(ReadOnlyMemory<byte>?);
                        }

                        await group.WriteAsync(Field, new ReadOnlyMemory<ReadOnlyMemory<byte>?>(values, 0, rows), null, null, ct);
                    }
                    finally
                    {
                        ArrayPool<ReadOnlyMemory<byte>?>.Shared.Return(values, clearArray: true);
                    }

                    break;
                case ParquetKind.Int64:
                    await group.WriteAsync(Field, new ReadOnlyMemory<long?>(_integers, 0, rows), null, null, ct);
                    break;
                case ParquetKind.Double:
                    await group.WriteAsync(Field, new ReadOnlyMemory<double?>(_doubles, 0, rows), null, null, ct);
                    break;
                case ParquetKind.Boolean:
                    await group.WriteAsync(Field, new ReadOnlyMemory<bool?>(_booleans, 0, rows), null, null, ct);
                    break;
            }
        }

        private long AppendString(int row, JsonElement value)
        {
            // The raw token is the string in quotes; without escapes, its inside is already the UTF-8 to store.
            var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
            if (!raw.Contains((byte)'\\'))
            {
                return Append(row, raw);
            }

            string text;
            try
            {
                text = value.GetString()!;
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate (such as "\ud800") has no UTF-8 form; its JSON text keeps it exactly.
                return Append(row, JsonMarshal.GetRawUtf8Value(value));
            }

            var start = Text.WrittenCount;
            Text.Advance(Encoding.UTF8.GetBytes(text, Text.GetSpan(Encoding.UTF8.GetByteCount(text))));
            return SetWritten(row, start);
        }

        private long Append(int row, ReadOnlySpan<byte> utf8)
        {
            var start = Text.WrittenCount;
            Text.Write(utf8);
            return SetWritten(row, start);
        }

        private static T[] Grow<T>(ref T[] array, int row)
        {
            if (row >= array.Length)
            {
                Array.Resize(ref array, Math.Max(16, array.Length * 2));
            }

            return array;
        }
    }
}
