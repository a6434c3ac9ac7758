using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Teams;

/// <summary>The business profile through the Cloud API, here the sandbox with Meta's limits.</summary>
public sealed class BusinessProfileTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private static object Profile(string about = "Ihre Werkstatt in Berlin", object? openingHours = null, string email = "service@werkstatt.example") => new
    {
        about,
        address = "Hauptstraße 1, 10115 Berlin",
        description = "Inspektion, Reifen, Unfallreparatur.",
        email,
        websites = new[] { "https://werkstatt.example" },
        vertical = "AUTO",
        openingHours = openingHours ?? new[]
        {
            new { dayOfWeek = "MONDAY", openTime = "08:00", closeTime = "12:30" },
            new { dayOfWeek = "MONDAY", openTime = "13:30", closeTime = "18:00" },
            new { dayOfWeek = "SATURDAY", openTime = "09:00", closeTime = "13:00" },
        },
    };

    [Fact]
    public async Task TheProfile_RoundTripsThroughWhatsApp_WithOpeningHoursKeptByParley()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (id, _) = await App.ConnectSandboxNumberAsync(workspace);
        var api = App.Api(workspace.AdminKey);
        var before = await api.GetFromJsonAsync<JsonElement>($"/api/v1/channels/whatsapp/{id}/profile");
        Assert.Equal("Sandbox business number", before.GetProperty("about").GetString());

        var saved = await api.PutAsJsonAsync($"/api/v1/channels/whatsapp/{id}/profile", Profile());

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var profile = await api.GetFromJsonAsync<JsonElement>($"/api/v1/channels/whatsapp/{id}/profile");
        Assert.Equal("Ihre Werkstatt in Berlin", profile.GetProperty("about").GetString());
        Assert.Equal("Hauptstraße 1, 10115 Berlin", profile.GetProperty("address").GetString());
        Assert.Equal("service@werkstatt.example", profile.GetProperty("email").GetString());
        Assert.Equal("AUTO", profile.GetProperty("vertical").GetString());
        Assert.Equal(["https://werkstatt.example"], profile.GetProperty("websites").EnumerateArray().Select(w => w.GetString()).ToList());
        var hours = profile.GetProperty("openingHours");
        Assert.Equal(3, hours.GetArrayLength());
        Assert.Equal("13:30", hours[1].GetProperty("openTime").GetString());
        var audit = await api.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("whatsapp_number.profile_changed", audit, StringComparison.Ordinal);
    }

    private static readonly string[] FtpSite = ["ftp://x.example"];
    private static readonly string[] ThreeSites = ["https://a.example", "https://b.example", "https://c.example"];

    public static TheoryData<object, string> BadProfiles => new()
    {
        { Profile(about: ""), "about" },
        { Profile(about: new string('x', 140)), "about" },
        { Profile(email: "not-an-address"), "email" },
        { Profile(openingHours: new[] { new { dayOfWeek = "MONDAY", openTime = "18:00", closeTime = "08:00" } }), "openingHours" },
        { Profile(openingHours: new[] { new { dayOfWeek = "FUNDAY", openTime = "08:00", closeTime = "18:00" } }), "openingHours" },
        { Profile(openingHours: new[] { new { dayOfWeek = "MONDAY", openTime = "8", closeTime = "18:00" } }), "openingHours" },
        { new { about = "Hallo", websites = FtpSite }, "websites" },
        { new { about = "Hallo", websites = ThreeSites }, "websites" },
        { new { about = "Hallo", vertical = "SPACESHIPS" }, "vertical" },
        { new { about = "Hallo", address = new string('x', 257) }, "address" },
    };

    [Theory]
    [MemberData(nameof(BadProfiles))]
    public async Task ABadProfile_IsRefusedNamingTheField_AndNothingChanges(object body, string field)
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (id, _) = await App.ConnectSandboxNumberAsync(workspace);
        var api = App.Api(workspace.AdminKey);

        var response = await api.PutAsJsonAsync($"/api/v1/channels/whatsapp/{id}/profile", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        var profile = await api.GetFromJsonAsync<JsonElement>($"/api/v1/channels/whatsapp/{id}/profile");
        Assert.Equal("Sandbox business number", profile.GetProperty("about").GetString());
        Assert.Equal(0, profile.GetProperty("openingHours").GetArrayLength());
    }

    [Fact]
    public async Task AWrongAccessToken_IsExplainedInWords_AndTheOpeningHoursStayAsTheyWere()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (id, _) = await App.ConnectSandboxNumberAsync(workspace);
        var api = App.Api(workspace.AdminKey);
        (await api.PatchAsJsonAsync($"/api/v1/channels/whatsapp/{id}", new { accessToken = "EAAG-wrong" })).EnsureSuccessStatusCode();

        var read = await api.GetAsync($"/api/v1/channels/whatsapp/{id}/profile");
        var written = await api.PutAsJsonAsync($"/api/v1/channels/whatsapp/{id}/profile", Profile());

        foreach (var response in new[] { read, written })
        {
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("a new token", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var stored = await App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(db.WhatsAppNumbers), n => n.Id == id));
        Assert.Null(stored.OpeningHours);
    }
}
