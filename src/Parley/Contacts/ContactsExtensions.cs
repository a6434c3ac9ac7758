namespace Parley.Contacts;

public static class ContactsExtensions
{
    public static WebApplicationBuilder AddContacts(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ContactBook>();
        builder.Services.AddScoped<ContactSets>();
        builder.Services.AddScoped<ContactMerge>();
        builder.Services.AddScoped<ContactImport>();
        builder.Services.AddScoped<SegmentFilterParser>();
        builder.Services.AddScoped<SegmentPlanner>();
        return builder;
    }
}
