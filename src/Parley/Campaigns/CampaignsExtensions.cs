namespace Parley.Campaigns;

public static class CampaignsExtensions
{
    public static WebApplicationBuilder AddCampaigns(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.Section);
        services.AddScoped<CampaignPlanner>();
        services.AddScoped<CampaignFeeder>();
        services.AddScoped<Campaigns>();
        services.AddSingleton<CampaignBell>();
        services.AddSingleton<CampaignRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<CampaignRunner>());
        return builder;
    }
}
