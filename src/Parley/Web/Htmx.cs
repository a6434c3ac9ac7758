namespace Parley.Web;

public static class Htmx
{
    /// <summary>htmx asks for a fragment; a plain form post gets the whole page.</summary>
    public static bool IsHtmx(this HttpRequest request) => request.Headers.ContainsKey("HX-Request");
}
