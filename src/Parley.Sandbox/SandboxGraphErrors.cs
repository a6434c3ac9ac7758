using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Parley.Sandbox;

/// <summary>
/// The Graph API's error shapes and its bearer-token check for the management endpoints (templates,
/// phone numbers, business profile): <c>{"error":{"message","type","code","error_subcode"?,"fbtrace_id"}}</c>.
/// </summary>
public static class SandboxGraphErrors
{
    /// <summary>A request parameter Graph refuses: <c>(#100) Param … must …</c>.</summary>
    public static IResult Param(string message) => Json(new JsonObject
    {
        ["message"] = $"(#100) {message}",
        ["type"] = "OAuthException",
        ["code"] = 100,
        ["fbtrace_id"] = TraceId(),
    });

    /// <summary>A business rule of WhatsApp Manager, with the words it shows people (as in the recorded template-delete error).</summary>
    public static IResult User(int subcode, string title, string message) => Json(new JsonObject
    {
        ["message"] = "Invalid parameter",
        ["type"] = "OAuthException",
        ["code"] = 100,
        ["error_subcode"] = subcode,
        ["is_transient"] = false,
        ["error_user_title"] = title,
        ["error_user_msg"] = message,
        ["fbtrace_id"] = TraceId(),
    });

    /// <summary>Graph's answer for an id that does not exist or the token may not see (code 100, subcode 33).</summary>
    public static IResult UnknownObject(string id, string method) => Json(new JsonObject
    {
        ["message"] = $"Unsupported {method.ToLowerInvariant()} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        ["type"] = "GraphMethodException",
        ["code"] = 100,
        ["error_subcode"] = 33,
        ["fbtrace_id"] = TraceId(),
    });

    public static IResult NonexistingField(string field, string nodeType) =>
        Param($"Tried accessing nonexisting field ({field}) on node type ({nodeType})");

    public static IResult InvalidToken() => Json(new JsonObject
    {
        ["message"] = "(#190) Invalid OAuth access token - Cannot parse access token",
        ["type"] = "OAuthException",
        ["code"] = 190,
        ["fbtrace_id"] = TraceId(),
    }, StatusCodes.Status401Unauthorized);

    /// <summary>Null when the bearer token (or <c>access_token</c>) belongs to a number of <paramref name="wabaId"/>.</summary>
    public static IResult? AuthorizeWaba(HttpRequest request, SandboxState state, string wabaId)
    {
        var numbers = state.Numbers.Where(n => n.WabaId == wabaId).ToList();
        return numbers.Count == 0 ? UnknownObject(wabaId, request.Method)
            : numbers.Any(n => TokenMatches(request, n)) ? null
            : InvalidToken();
    }

    /// <summary>Null when the token belongs to this very number.</summary>
    public static IResult? AuthorizeNumber(HttpRequest request, SandboxState state, string phoneNumberId, out SandboxNumber? number)
    {
        number = state.Number(phoneNumberId);
        return number is null ? UnknownObject(phoneNumberId, request.Method)
            : TokenMatches(request, number) ? null
            : InvalidToken();
    }

    internal static string TraceId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TokenMatches(HttpRequest request, SandboxNumber number)
    {
        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : request.Query["access_token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(number.AccessToken));
    }

    private static IResult Json(JsonObject error, int status = StatusCodes.Status400BadRequest) =>
        Results.Json(new JsonObject { ["error"] = error }, statusCode: status);
}
