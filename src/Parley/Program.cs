using Parley.Channels.WhatsApp;
using Parley.Contacts;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Web;

return await ParleyHost.RunAsync(
    args,
    builder =>
    {
        builder.AddHosting(args);
        builder.AddData();
        builder.AddIdentityFeature();
        builder.AddWhatsApp();
        builder.AddContacts();
        builder.AddWeb();
    },
    app =>
    {
        app.UseHosting();
        app.UseWeb();
        app.MapData();
        app.MapWhatsAppWebhook();
        app.MapApi();
        app.MapWeb();
    });

public partial class Program;
