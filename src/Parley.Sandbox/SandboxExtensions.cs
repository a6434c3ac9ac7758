using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Parley.Sandbox;

public static class SandboxExtensions
{
    public static IServiceCollection AddSandbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SandboxOptions>().Bind(configuration.GetSection(SandboxOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SandboxState>();
        services.AddSingleton<SandboxTemplates>();
        services.AddSingleton<SandboxProfiles>();
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<SandboxTemplateId>(SandboxTemplateId.Name));
        services.AddSingleton<SandboxMedia>();
        services.AddSingleton<SandboxLimits>();
        services.AddSingleton<SandboxTarget>();
        services.AddSingleton<SandboxWebhooks>();
        services.AddHostedService(sp => sp.GetRequiredService<SandboxWebhooks>());
        // Without the factory's request logging (four lines per webhook); SandboxWebhooks logs failures itself.
        services.AddHttpClient(SandboxWebhooks.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        return services;
    }

    /// <summary>Maps the Graph API emulator under <c>{prefix}/graph</c> and the control API under <c>{prefix}/api</c>.</summary>
    public static RouteGroupBuilder MapSandbox(this IEndpointRouteBuilder endpoints, string prefix = "/sandbox")
    {
        var sandbox = endpoints.MapGroup(prefix).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        sandbox.MapSandboxGraph();
        sandbox.MapSandboxControl();
        sandbox.MapSandboxPhone();
        return sandbox;
    }
}
