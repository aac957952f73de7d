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
