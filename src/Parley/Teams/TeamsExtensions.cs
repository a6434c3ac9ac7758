namespace Parley.Teams;

public static class TeamsExtensions
{
    public static WebApplicationBuilder AddTeams(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TeamsOptions>().BindConfiguration(TeamsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<TeamRoster>();
        services.AddScoped<Agents>();
        services.AddSingleton<AgentActivity>();
        services.AddSingleton<AssignmentBell>();
        services.AddSingleton<AutoAssigner>();
        services.AddHostedService(sp => sp.GetRequiredService<AutoAssigner>());
        return builder;
    }
}
