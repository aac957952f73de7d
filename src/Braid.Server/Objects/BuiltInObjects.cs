using Braid.Storage.Objects;

namespace Braid.Server.Objects;

/// <summary>
/// A kind's built-in objects (the system roles) as rows beside the stored ones. They carry negative seqs, as if
/// created before anything else, so lists show them after the organization's own objects and cursors page through them.
/// </summary>
public static class BuiltInObjects
{
    public static bool IsBuiltIn(ObjectRow row) => row.Seq < 0;

    public static ObjectRow? Find(ObjectKind kind, string id) => Rows(kind).FirstOrDefault(r => r.Id == id);

    public static ObjectRow? FindByKey(ObjectKind kind, string key) => Rows(kind).FirstOrDefault(r => r.NaturalKey == key);

    /// <summary>The stored rows of a list followed by the built-ins the query matches, in the list's order.</summary>
    public static async IAsyncEnumerable<ObjectRow> Around(ObjectKind kind, ObjectQuery query, IAsyncEnumerable<ObjectRow> stored)
    {
        var builtIns = Rows(kind).Where(r => Matches(r, query)).ToList();

        // Backwards pages run oldest first, and the built-ins are the oldest.
        var backwards = query.BeforeSeq is not null;
        if (backwards)
        {
            builtIns.Reverse();
            foreach (var row in builtIns)
            {
                yield return row;
            }
        }

        await foreach (var row in stored)
        {
            yield return row;
        }

        if (!backwards)
        {
            foreach (var row in builtIns)
            {
                yield return row;
            }
        }
    }

    private static bool Matches(ObjectRow row, ObjectQuery query) =>
        query.ScopeId is null && query.ScopeName is null
        && (query.Ids is null || query.Ids.Contains(row.Id))
        && (query.Name is null || query.Name == row.Name)
        && (query.AfterSeq is null || row.Seq < query.AfterSeq)
        && (query.BeforeSeq is null || row.Seq > query.BeforeSeq);

    private static IEnumerable<ObjectRow> Rows(ObjectKind kind) =>
        kind.BuiltIns.Select((doc, i) => new ObjectRow(
            Seq: -(i + 1),
            Id: (string)doc["id"]!,
            OrgId: "",
            Kind: kind.Name,
            ScopeId: "",
            NaturalKey: (string?)doc[kind.KeyField],
            Name: (string?)doc["name"],
            Data: doc.ToJsonString(),
            Created: (string?)doc["created"] ?? "",
            DeletedAt: null));
}
