using Microsoft.Extensions.Options;
using Parley.Hosting;
using Parley.Sandbox;

namespace Parley.Channels.WhatsApp;

public static class WhatsAppExtensions
{
    public static WebApplicationBuilder AddWhatsApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WhatsAppOptions>().BindConfiguration(WhatsAppOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<WhatsAppNumbers>();
        services.AddScoped<BusinessProfiles>();
        services.AddScoped<WebhookRecorder>();
        services.AddScoped<DeadLetters>();
        services.AddScoped<OutboundMessages>();
        services.AddScoped<OutboxSender>();
        services.AddScoped<OutboundMedia>();
        services.AddScoped<Parley.Inbox.MediaLibrary>();
        services.AddScoped<GraphClient>();
        services.AddSingleton<GraphAddress>();
        // Without the factory's request logging: four lines per send at Information, and its scopes, at every send.
        // The dispatcher records each outcome on the message itself.
        services.AddHttpClient(GraphClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
        services.AddSingleton<WebhookBell>();
        services.AddSingleton<OutboxBell>();
        services.AddSingleton<IntakeFile>();
        services.AddSingleton<WebhookIntake>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookIntake>());
        services.AddSingleton<WebhookProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookProcessor>());
        services.AddSingleton<MediaBell>();
        services.AddSingleton<Parley.Inbox.MediaStore>();
        services.AddSingleton<MediaDownloader>();
        services.AddHostedService(sp => sp.GetRequiredService<MediaDownloader>());
        services.AddSingleton<OutboxDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxDispatcher>());

        // The sandbox: on in demo mode (or with Sandbox:Enabled), never otherwise. Mounted, it shares
        // Parley's app secret and sends its webhooks to this very process.
        services.AddSingleton(sp => new SandboxMount(
            sp.GetRequiredService<IConfiguration>().GetValue<bool?>("Sandbox:Enabled") ?? sp.GetRequiredService<DemoMode>().Enabled));
        services.AddSandbox(builder.Configuration);
        services.AddOptions<WhatsAppOptions>().PostConfigure<SandboxMount, IOptions<SandboxOptions>>((whatsapp, mount, sandbox) =>
        {
            if (mount.Enabled)
            {
                whatsapp.AppSecret ??= sandbox.Value.AppSecret;
                whatsapp.VerifyToken ??= "parley-sandbox";
            }
        });
        return builder;
    }

    public static WebApplication MapWhatsAppWebhook(this WebApplication app)
    {
        app.MapWhatsAppEndpoints();
        if (app.Services.GetRequiredService<SandboxMount>().Enabled)
        {
            app.Services.GetRequiredService<SandboxTarget>().Use(() => ServerAddress.Of(app.Services) + "/webhooks/whatsapp");
            app.MapSandbox("/sandbox");
        }

        return app;
    }
}
