using Parley.Campaigns;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Teams;
using Parley.Inbox;
using Parley.Privacy;
using Parley.Templates;
using Parley.Web;

return await ParleyHost.RunAsync(
    args,
    builder =>
    {
        builder.AddHosting(args);
        builder.AddData();
        builder.AddIdentityFeature();
        builder.AddWhatsApp();
        builder.AddTeams();
        builder.AddConsent();
        builder.AddContacts();
        builder.AddPrivacy();
        builder.AddTemplates();
        builder.AddCampaigns();
        builder.AddInbox();
        builder.AddWeb();
    },
    app =>
    {
        app.UseWhatsAppWebhookIntake();
        app.UseHosting();
        app.UseWeb();
        app.MapData();
        app.MapWhatsAppWebhook();
        app.MapApi();
        app.MapInbox();
        app.MapWeb();
    });

public partial class Program;
