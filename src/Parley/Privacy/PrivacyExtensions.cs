namespace Parley.Privacy;

public static class PrivacyExtensions
{
    public static WebApplicationBuilder AddPrivacy(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<DataSubjectExport>();
        builder.Services.AddScoped<ContactErasure>();
        return builder;
    }
}
