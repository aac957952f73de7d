using System.Reflection;
using Parquet.Meta;
using NetParquetWriter = Parquet.ParquetWriter;

namespace Braid.Server.Query.Parquet;

/// <summary>
/// Annotates String and Json columns by hand. Parquet.Net 6.1 writes a .NET string column as STRING with min/max
/// statistics holding whole values, in every page header and in the footer, and cannot leave them out:
/// <list type="bullet">
/// <item>a value over about 8 MB (a row may have 16 MiB) makes a page header larger than the 16 MB Apache Arrow
/// readers (pyarrow, ParquetSharp) accept, so the file cannot be read at all;</item>
/// <item>the footer, held in memory to the end, grows by up to two whole values per text column per row group;</item>
/// <item>it orders them by UTF-16 code units, not by the bytes Parquet specifies.</item>
/// </list>
/// Byte-array columns get no such statistics, but Parquet.Net has no public way to annotate one, nor a JSON
/// annotation at all. So the writer writes text as byte arrays, and this sets STRING or JSON on the schema elements
/// Parquet.Net is about to write, through two private fields. The package is pinned and the tests read every
/// column's logical type back, so an upgrade that moves the fields fails there, not in a user's file.
/// </summary>
internal static class TextColumnTypes
{
    private static readonly FieldInfo? FooterField =
        typeof(NetParquetWriter).GetField("_footer", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly FieldInfo? FileMetaField =
        FooterField?.FieldType.GetField("_fileMeta", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Throws before anything is written if this Parquet.Net is not the one the fields were found in.</summary>
    public static void EnsureAvailable()
    {
        if (FileMetaField?.FieldType != typeof(FileMetaData))
        {
            throw new InvalidOperationException(
                $"Parquet.Net {typeof(NetParquetWriter).Assembly.GetName().Version} no longer keeps its schema where {nameof(TextColumnTypes)} sets text column types");
        }
    }

    /// <summary>Annotates the text columns of a writer that has not written a row group yet.</summary>
    public static void Apply(NetParquetWriter writer, IReadOnlyList<ParquetColumn> columns)
    {
        var meta = (FileMetaData)FileMetaField!.GetValue(FooterField!.GetValue(writer))!;

        // A flat schema: the root element, then one element per column in order.
        if (meta.Schema.Count != columns.Count + 1)
        {
            throw new InvalidOperationException($"expected {columns.Count + 1} schema elements, found {meta.Schema.Count}");
        }

        for (var i = 0; i < columns.Count; i++)
        {
            var element = meta.Schema[i + 1];
            if (columns[i].Kind is not (ParquetKind.String or ParquetKind.Json))
            {
                continue;
            }

            if (element.Name != columns[i].Name || element.Type != global::Parquet.Meta.Type.BYTE_ARRAY)
            {
                throw new InvalidOperationException($"schema element {i + 1} is {element.Name} ({element.Type}), expected {columns[i].Name} (BYTE_ARRAY)");
            }

            (element.LogicalType, element.ConvertedType) = columns[i].Kind == ParquetKind.Json
                ? (new LogicalType { JSON = new JsonType() }, ConvertedType.JSON)
                : (new LogicalType { STRING = new StringType() }, ConvertedType.UTF8);
        }
    }
}
