namespace Parley.Privacy;

public static class PrivacyExtensions
{
    public static WebApplicationBuilder AddPrivacy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        services.AddScoped<DataSubjectExport>();
        services.AddScoped<ContactErasure>();
        services.AddScoped<Retention>();
        services.AddScoped<RetentionSweep>();
        services.AddSingleton<RetentionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionJob>());
        return builder;
    }
}
