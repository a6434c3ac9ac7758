namespace Parley.Channels.WhatsApp;

public static class WhatsAppExtensions
{
    public static WebApplicationBuilder AddWhatsApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WhatsAppOptions>().BindConfiguration(WhatsAppOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<WhatsAppNumbers>();
        services.AddScoped<WebhookRecorder>();
        services.AddSingleton<WebhookBell>();
        services.AddSingleton<WebhookIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookIntake>());
        services.AddSingleton<WebhookProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookProcessor>());
        return builder;
    }
}
