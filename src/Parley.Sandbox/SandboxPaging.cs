using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Parley.Sandbox;

/// <summary>
/// Graph's cursor paging: <c>limit</c>, <c>after</c>, <c>before</c> in, <c>{"data":[…],"paging":{"cursors":{"before","after"},"next"?,"previous"?}}</c> out.
/// Cursors are opaque base64 positions.
/// </summary>
public static class SandboxPaging
{
    public const int DefaultLimit = 25;

    /// <summary>One page of <paramref name="items"/>, or null when limit or a cursor is malformed.</summary>
    public static JsonObject? Page<T>(HttpRequest request, IReadOnlyList<T> items, Func<T, JsonNode> view)
    {
        var query = request.Query;
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } given && (!int.TryParse(given, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return null;
        }

        int start;
        var count = limit;
        if (query["after"].ToString() is { Length: > 0 } after)
        {
            if (Decode(after) is not { } position)
            {
                return null;
            }

            start = position + 1;
        }
        else if (query["before"].ToString() is { Length: > 0 } before)
        {
            if (Decode(before) is not { } position)
            {
                return null;
            }

            start = Math.Max(0, position - limit);
            count = position - start;
        }
        else
        {
            start = 0;
        }

        var page = items.Skip(start).Take(count).ToList();
        var result = new JsonObject { ["data"] = new JsonArray([.. page.Select(view)]) };
        if (page.Count == 0)
        {
            return result;
        }

        var last = start + page.Count - 1;
        var paging = new JsonObject { ["cursors"] = new JsonObject { ["before"] = Encode(start), ["after"] = Encode(last) } };
        if (start > 0)
        {
            paging["previous"] = Link(request, "before", Encode(start), limit);
        }

        if (last < items.Count - 1)
        {
            paging["next"] = Link(request, "after", Encode(last), limit);
        }

        result["paging"] = paging;
        return result;
    }

    private static string Encode(int position) => Convert.ToBase64String(Encoding.ASCII.GetBytes(position.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    private static int? Decode(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(cursor.PadRight(cursor.Length + ((4 - (cursor.Length % 4)) % 4), '=')));
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Link(HttpRequest request, string direction, string cursor, int limit)
    {
        var parameters = request.Query.Where(p => p.Key is not ("after" or "before" or "limit" or "access_token"))
            .ToDictionary(p => p.Key, p => (string?)p.Value.ToString());
        parameters["limit"] = limit.ToString(CultureInfo.InvariantCulture);
        parameters[direction] = cursor;
        return QueryHelpers.AddQueryString($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}", parameters);
    }
}
