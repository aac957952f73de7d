using ParquetSharp;

namespace Braid.Server.Tests.Query.Parquet;

/// <summary>A column as Apache Arrow's Parquet reader sees it: its physical type and logical annotation.</summary>
public sealed record ReadColumn(string Name, PhysicalType Physical, LogicalTypeEnum Logical, bool Optional);

/// <summary>
/// A Parquet file read back with ParquetSharp (Apache Arrow C++), a reader independent of the writer under test:
/// its schema, row groups, and every value, column by column across all row groups.
/// </summary>
public sealed class ParquetFile
{
    private ParquetFile(IReadOnlyList<ReadColumn> columns, IReadOnlyList<long> rowGroups, IReadOnlyList<object?[]> values)
    {
        Columns = columns;
        RowGroups = rowGroups;
        Values = values;
    }

    public IReadOnlyList<ReadColumn> Columns { get; }

    /// <summary>The number of rows in each row group.</summary>
    public IReadOnlyList<long> RowGroups { get; }

    public long RowCount => RowGroups.Sum();

    /// <summary>Values as string, long, double or bool (or null), one array per column.</summary>
    public IReadOnlyList<object?[]> Values { get; }

    public object?[] this[string column] => Values[Columns.ToList().FindIndex(c => c.Name == column)];

    public static ParquetFile Read(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var reader = new ParquetFileReader(stream);
        var meta = reader.FileMetaData;
        var columns = new List<ReadColumn>();
        for (var c = 0; c < meta.NumColumns; c++)
        {
            var descriptor = meta.Schema.Column(c);
            using var logical = descriptor.LogicalType;
            columns.Add(new ReadColumn(descriptor.Name, descriptor.PhysicalType, logical.Type, descriptor.MaxDefinitionLevel == 1));
        }

        var rowGroups = new List<long>();
        var values = columns.Select(_ => new List<object?>()).ToArray();
        for (var g = 0; g < meta.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            var rows = checked((int)group.MetaData.NumRows);
            rowGroups.Add(rows);
            for (var c = 0; c < columns.Count; c++)
            {
                using var column = group.Column(c);
                values[c].AddRange(columns[c].Physical switch
                {
                    PhysicalType.ByteArray => ReadAll<string?>(column, rows),
                    PhysicalType.Int64 => ReadAll<long?>(column, rows),
                    PhysicalType.Double => ReadAll<double?>(column, rows),
                    PhysicalType.Boolean => ReadAll<bool?>(column, rows),
                    var other => throw new InvalidOperationException($"unexpected physical type {other}"),
                });
            }
        }

        Assert.Equal(meta.NumRows, rowGroups.Sum());
        return new ParquetFile(columns, rowGroups, [.. values.Select(v => v.ToArray())]);
    }

    private static IEnumerable<object?> ReadAll<T>(ColumnReader column, int rows)
    {
        using var reader = column.LogicalReader<T>();
        return reader.ReadAll(rows).Select(v => (object?)v).ToArray();
    }
}
