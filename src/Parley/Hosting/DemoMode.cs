using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;
using Parley.Sandbox;

namespace Parley.Hosting;

/// <summary>
/// Demo mode is the embedded default: on unless <c>Parley:Demo=false</c>, and off by default when
/// PostgreSQL (a production set-up) is configured.
/// </summary>
public sealed class DemoMode(IOptions<ParleyOptions> options, DatabaseSettings database)
{
    public const string WorkspaceSlug = "demo";
    public const string OwnerEmail = "owner@demo.parley.test";

    public bool Enabled { get; } = options.Value.Demo ?? !database.IsPostgres;

    /// <summary>Demo mode runs on http://localhost; everywhere else cookies never travel unencrypted.</summary>
    public CookieSecurePolicy CookieSecurePolicy => Enabled ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>
    /// On the very first start (no workspace at all) creates the demo workspace and its owner, and returns
    /// the owner's password so it can be shown once. Returns null on every later start.
    /// </summary>
    public static async Task<string?> SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        if (await db.Workspaces.IgnoreQueryFilters().AnyAsync(cancellationToken))
        {
            return null;
        }

        var created = await scope.ServiceProvider.GetRequiredService<Workspaces>().CreateAsync(WorkspaceSlug, "Demo", Actor.System, cancellationToken);
        if (!created.Succeeded)
        {
            return null;
        }

        var owner = await scope.ServiceProvider.GetRequiredService<Members>().AddAsync(OwnerEmail, "Demo Owner", "owner", cancellationToken);

        // The sandbox's first business number, so messages flow without a Meta account.
        if (scope.ServiceProvider.GetRequiredService<SandboxMount>().Enabled)
        {
            var number = scope.ServiceProvider.GetRequiredService<SandboxState>().Numbers[0];
            await scope.ServiceProvider.GetRequiredService<WhatsAppNumbers>().ConnectAsync(
                new ConnectWhatsAppNumber(number.PhoneNumberId, number.WabaId, number.DisplayPhoneNumber, number.AccessToken, null), cancellationToken);
        }

        // Wordings, so the public consent page (/c/demo) can be tried at once.
        var catalog = scope.ServiceProvider.GetRequiredService<Consent.ConsentCatalog>();
        await catalog.AddWordingAsync(Consent.Purposes.Marketing, new("de", "Ja, ich möchte Angebote und Neuigkeiten von Demo per WhatsApp erhalten. Ich kann das jederzeit mit STOPP widerrufen."), cancellationToken);
        await catalog.AddWordingAsync(Consent.Purposes.Marketing, new("en", "Yes, I would like to receive offers and news from Demo on WhatsApp. I can withdraw this at any time by sending STOP."), cancellationToken);
        await catalog.AddWordingAsync(Consent.Purposes.Appointments, new("de", "Ja, Demo darf mir Terminbestätigungen und Erinnerungen per WhatsApp schicken."), cancellationToken);
        await catalog.AddWordingAsync(Consent.Purposes.Appointments, new("en", "Yes, Demo may send me booking confirmations and reminders on WhatsApp."), cancellationToken);

        return owner.Value?.InitialPassword;
    }
}
