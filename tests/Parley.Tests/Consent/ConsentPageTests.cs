using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Consent;

/// <summary>The public consent page and its double opt-in, confirmed by the code arriving on WhatsApp.</summary>
public sealed partial class ConsentPageTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private const string GermanWording = "Ja, ich möchte Angebote von Autohaus Berg per WhatsApp erhalten.";

    [Fact]
    public async Task DoubleOptIn_GrantsOnlyWhenTheCodeArrivesFromTheSameNumber_WithTheWordingShown()
    {
        var (workspace, phoneNumberId) = await ConsentPageAsync();
        var person = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        var other = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        var browser = App.Browser();

        var page = WebUtility.HtmlDecode(await browser.GetStringAsync($"/c/{workspace.Slug}?culture=de"));
        var submitted = await SubmitAsync(browser, workspace.Slug, "Erika Berg", "+" + person[..2] + " " + person[2..]);
        var code = CodePattern().Match(submitted).Value;
        await App.CustomerWritesAsync(phoneNumberId, person, "Hallo, was kostet der Service?");
        var contactId = await App.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.WaId == person).Select(c => c.Id).SingleAsync());
        var beforeConfirmation = await App.ConsentOfAsync(workspace.AdminKey, contactId);
        await App.CustomerWritesAsync(phoneNumberId, other, $"Ja, ich willige ein. Code: {code}");
        await App.CustomerWritesAsync(phoneNumberId, person, $"Ja, ich willige ein. Code: {code}");

        Assert.Contains(GermanWording, page, StringComparison.Ordinal);
        Assert.Contains("https://wa.me/", submitted, StringComparison.Ordinal);
        Assert.Equal("none", ConsentTestExtensions.StateOf(beforeConfirmation, "marketing"));
        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().AnyAsync(r => db.Contacts.IgnoreQueryFilters().Any(c => c.Id == r.ContactId && c.WaId == other))));
        var consent = await App.ConsentOfAsync(workspace.AdminKey, contactId);
        Assert.Equal("granted", ConsentTestExtensions.StateOf(consent, "marketing"));
        var record = Assert.Single(consent.GetProperty("history").EnumerateArray());
        Assert.Equal(("web_form", GermanWording, 1), (record.GetProperty("source").GetString(), record.GetProperty("wording").GetString(), record.GetProperty("wordingVersion").GetInt32()));
        var evidence = record.GetProperty("evidence").GetString()!;
        Assert.Contains("Consent page submission", evidence, StringComparison.Ordinal);
        Assert.Contains("confirmed by WhatsApp message wamid.", evidence, StringComparison.Ordinal);
        var texts = await Eventually.ObjectAsync(async () => await App.ReceivedTextsAsync(person) is { Count: > 0 } t ? t : null);
        Assert.StartsWith("Danke, Ihre Einwilligung ist bestätigt.", Assert.Single(texts), StringComparison.Ordinal);
        Assert.StartsWith("Dieser Code ist abgelaufen", Assert.Single(await App.ReceivedTextsAsync(other)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredCode_GrantsNothing()
    {
        var (workspace, phoneNumberId) = await ConsentPageAsync();
        var person = "4917" + Random.Shared.Next(10_000_000, 99_999_999);
        var browser = App.Browser();
        var code = CodePattern().Match(await SubmitAsync(browser, workspace.Slug, "Erika Berg", "00" + person)).Value;

        App.Clock.Advance(TimeSpan.FromHours(2));
        await App.CustomerWritesAsync(phoneNumberId, person, code);

        Assert.False(await App.WithDbAsync(db => db.ConsentRecords.IgnoreQueryFilters().AnyAsync(r => db.Contacts.IgnoreQueryFilters().Any(c => c.Id == r.ContactId && c.WaId == person))));
    }

    [Theory]
    [InlineData("", "+49 170 1234567", "Bitte geben Sie Ihren Namen ein")]
    [InlineData("Erika", "12", "Handynummer")]
    [InlineData("Erika", "+49 abc", "Handynummer")]
    public async Task ABadSubmission_SaysWhatIsWrong_AndStoresNothing(string name, string phone, string expected)
    {
        var (workspace, _) = await ConsentPageAsync();
        var browser = App.Browser();

        var response = await PostAsync(browser, workspace.Slug, name, phone, "marketing");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.False(await App.WithDbAsync(db => db.ConsentRequests.IgnoreQueryFilters().AnyAsync(r => r.Name == name && name != "")));
    }

    [Fact]
    public async Task ASubmissionWithoutTheAntiforgeryToken_IsRejected()
    {
        var (workspace, _) = await ConsentPageAsync();

        var response = await App.Browser().PostAsync($"/c/{workspace.Slug}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "Mallory",
            ["phone"] = "+491701234567",
            ["purposes"] = "marketing",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(await App.WithDbAsync(db => db.ConsentRequests.IgnoreQueryFilters().AnyAsync(r => r.Name == "Mallory")));
    }

    [Fact]
    public async Task OneNumber_GetsAtMostThreeOpenCodesAnHour()
    {
        var (workspace, _) = await ConsentPageAsync();
        var browser = App.Browser();
        var person = "+4917" + Random.Shared.Next(10_000_000, 99_999_999);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(browser, workspace.Slug, "Erika", person, "marketing")).StatusCode);
        }

        var fourth = await PostAsync(browser, workspace.Slug, "Erika", person, "marketing");
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
    }

    [Fact]
    public async Task AnUnknownWorkspace_Is404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await App.Browser().GetAsync("/c/no-such-workspace")).StatusCode);
    }

    [Fact]
    public async Task Submissions_AreRateLimitedPerAddress()
    {
        await using var app = new ParleyApp(null, new Dictionary<string, string?> { ["Consent:PageSubmissionsPerIp"] = "2" });
        await app.InitializeAsync();
        var (workspace, _) = await ConsentPageAsync(app);
        var browser = app.Browser();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await PostAsync(browser, workspace.Slug, "", "", "marketing")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses.Select(s => s == HttpStatusCode.BadRequest ? HttpStatusCode.OK : s));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/c/{workspace.Slug}")).StatusCode);
    }

    /// <summary>A workspace on a sandbox number with a German and an English marketing wording.</summary>
    private Task<(TestWorkspace Workspace, string PhoneNumberId)> ConsentPageAsync() => ConsentPageAsync(App);

    private static async Task<(TestWorkspace Workspace, string PhoneNumberId)> ConsentPageAsync(ParleyApp app)
    {
        var workspace = await app.CreateWorkspaceAsync();
        var (_, phoneNumberId) = await app.ConnectSandboxNumberAsync(workspace);
        var api = app.Api(workspace.AdminKey);
        (await api.PostAsJsonAsync("/api/v1/consent/purposes/marketing/wordings", new { language = "de", text = GermanWording })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync("/api/v1/consent/purposes/marketing/wordings", new { language = "en", text = "Yes, send me offers from Autohaus Berg on WhatsApp." })).EnsureSuccessStatusCode();
        return (workspace, phoneNumberId);
    }

    private static async Task<string> SubmitAsync(HttpClient browser, string slug, string name, string phone)
    {
        var response = await PostAsync(browser, slug, name, phone, "marketing");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string slug, string name, string phone, string purpose)
    {
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/c/{slug}?culture=de");
        return await browser.PostAsync($"/c/{slug}?culture=de", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name,
            ["phone"] = phone,
            ["purposes"] = purpose,
            ["__RequestVerificationToken"] = token,
        }));
    }

    [GeneratedRegex("OPT-[A-Z0-9]{8}")]
    private static partial Regex CodePattern();
}
