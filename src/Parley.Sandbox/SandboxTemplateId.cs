namespace Parley.Sandbox;

/// <summary>
/// Route constraint <c>{id:sandboxTemplate}</c>: matches only ids given to templates, so
/// <c>GET /{version}/{id}</c> can be a template here and media or a number elsewhere.
/// </summary>
public sealed class SandboxTemplateId : IRouteConstraint
{
    public const string Name = "sandboxTemplate";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        httpContext is not null
        && values.TryGetValue(routeKey, out var value)
        && value?.ToString() is { } id
        && httpContext.RequestServices.GetRequiredService<SandboxTemplates>().Issued(id);
}
