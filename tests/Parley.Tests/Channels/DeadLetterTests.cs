using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class DeadLetterTests
{
    [Fact]
    public async Task DeadLetters_AreListedAndReplayedFromTheCommandLine()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var app = new ParleyApp(database))
        {
            await app.InitializeAsync();
            await app.PostWebhookAsync("""{"object":"whatsapp_business_account","entry":[{"changes":[]}]}""");
            await app.WaitForWebhooksAsync();
        }

        var list = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "dead-letters");
        var replay = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "replay");
        var after = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "dead-letters");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("1 dead letter(s):", list.Output, StringComparison.Ordinal);
        Assert.Contains("An entry has no 'id'.", list.Output, StringComparison.Ordinal);
        Assert.Contains("Queued 1 delivery(ies)", replay.Output, StringComparison.Ordinal);
        Assert.Contains("No dead letters.", after.Output, StringComparison.Ordinal);
    }
}

public sealed class DeadLetterPageTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task ADeadLetterNamingANumber_IsShownToThatWorkspaceOnly_AndReplayedFromItsPage()
    {
        var owner = await App.CreateWorkspaceAsync();
        var other = await App.CreateWorkspaceAsync();
        var phoneNumberId = "3" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(owner, phoneNumberId);
        await App.PostWebhookAsync("""{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"PNID"}}}]}]}""".Replace("PNID", phoneNumberId, StringComparison.Ordinal));
        await App.PostWebhookAsync("this is not JSON");
        await App.WaitForWebhooksAsync();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, owner.Owner.Email, owner.Owner.Password);
        var stranger = App.Browser();
        await ParleyApp.SignInAsync(stranger, other.Owner.Email, other.Owner.Password);

        var page = await browser.GetStringAsync($"/w/{owner.Slug}/whatsapp/dead-letters");
        var otherPage = await stranger.GetStringAsync($"/w/{other.Slug}/whatsapp/dead-letters");

        Assert.Contains("An entry has no &#x27;id&#x27;.", page, StringComparison.Ordinal);
        Assert.Contains("whatsapp_business_account", page, StringComparison.Ordinal); // the body, to an admin who may see phone numbers
        Assert.DoesNotContain("this is not JSON", page, StringComparison.Ordinal);
        Assert.Contains("No dead letters", otherPage, StringComparison.Ordinal);

        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{owner.Slug}/whatsapp/dead-letters");
        var stolen = await stranger.PostAsync($"/w/{other.Slug}/whatsapp/dead-letters?handler=replay", Form(await ParleyApp.AntiforgeryTokenAsync(stranger, $"/w/{other.Slug}/whatsapp/dead-letters")));
        var replayed = await browser.PostAsync($"/w/{owner.Slug}/whatsapp/dead-letters?handler=replay", Form(token));

        Assert.Contains("0 notification(s) queued", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("1 notification(s) queued", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await App.Api(owner.AdminKey).GetStringAsync("/api/v1/audit-log");
        Assert.Contains("webhook.dead_letters_replayed", audit, StringComparison.Ordinal);
    }

    private static FormUrlEncodedContent Form(string token) => new(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });
}
