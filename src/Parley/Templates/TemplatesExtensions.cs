namespace Parley.Templates;

public static class TemplatesExtensions
{
    public static WebApplicationBuilder AddTemplates(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<TemplateStore>();
        return builder;
    }
}
