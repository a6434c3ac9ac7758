namespace Parley.Templates;

public static class TemplatesExtensions
{
    public static WebApplicationBuilder AddTemplates(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<TemplateStore>();
        builder.Services.AddScoped<Notifications>();
        builder.Services.AddScoped<TemplateRenderer>();
        return builder;
    }
}
