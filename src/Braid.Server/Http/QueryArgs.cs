using System.Globalization;

namespace Braid.Server.Http;

/// <summary>Query-string parsing shared by every list endpoint, each failure a 400 naming the parameter.</summary>
public static class QueryArgs
{
    public static string? Single(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count == 0 ? null : values[^1];
    }

    /// <summary>Array parameters arrive repeated (<c>ids=a&amp;ids=b</c>, the spec) or comma-joined (<c>ids=a,b</c>, the Stainless clients).</summary>
    public static IReadOnlyList<string>? List(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count == 0)
        {
            return null;
        }

        var items = new List<string>();
        foreach (var value in values)
        {
            foreach (var item in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                items.Add(item);
            }
        }

        return items;
    }

    public static IReadOnlyList<string>? UuidList(HttpRequest request, string name)
    {
        var items = List(request, name);
        if (items is null)
        {
            return null;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (!Ids.TryNormalize(items[i], out _))
            {
                ApiException.ThrowBadRequest($"{name}: '{items[i]}' is not a valid UUID");
            }
        }

        return items.Select(Ids.Normalize).ToList();
    }

    public static string? Uuid(HttpRequest request, string name)
    {
        var value = Single(request, name);
        if (value is null)
        {
            return null;
        }

        return Ids.TryNormalize(value, out var id) ? id : throw ApiException.BadRequest($"{name}: '{value}' is not a valid UUID");
    }

    /// <summary>
    /// The paging parameters of a list: <c>limit</c>, and at most one of the cursors <c>starting_after</c> and
    /// <c>ending_before</c> (object ids).
    /// </summary>
    public static (int? Limit, string? StartingAfter, string? EndingBefore) Paging(HttpRequest request)
    {
        var startingAfter = Uuid(request, "starting_after");
        var endingBefore = Uuid(request, "ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            ApiException.ThrowBadRequest("starting_after, ending_before: pass only one of them");
        }

        return (NonNegativeInt(request, "limit"), startingAfter, endingBefore);
    }

    public static int? NonNegativeInt(HttpRequest request, string name)
    {
        var value = Single(request, name);
        if (string.IsNullOrEmpty(value) || value == "null")
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw ApiException.BadRequest($"{name}: '{value}' is not a non-negative integer");
    }
}
