using System.Net;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class SandboxNumberTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    [Fact]
    public async Task PhoneNumbers_ListsEveryNumberOfTheWaba_WithPaging()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var firstPage = await graph.GetAsync($"{graph.WabaId}/phone_numbers");
        var all = await graph.GetAsync($"{graph.WabaId}/phone_numbers?limit=100&fields=id,display_phone_number,status");

        Assert.Equal(HttpStatusCode.OK, firstPage.Status);
        Assert.Equal(25, firstPage.Body!["data"]!.AsArray().Count);
        Assert.NotNull(firstPage.Body["paging"]!["next"]);
        Assert.Equal(30, all.Body!["data"]!.AsArray().Count);
        Assert.Contains(all.Body["data"]!.AsArray(), n => n!["id"]!.GetValue<string>() == graph.PhoneNumberId);
        Assert.Equal(["id", "display_phone_number", "status"], all.Body["data"]![0]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task PhoneNumber_HasMetasDefaultFields_AndWhatFieldsAsksFor()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var number = (await graph.GetAsync(graph.PhoneNumberId)).Body!;
        var chosen = (await graph.GetAsync($"{graph.PhoneNumberId}?fields=name_status,throughput")).Body!;
        var unknown = await graph.GetAsync($"{graph.PhoneNumberId}?fields=colour");
        var otherNumbersToken = await graph.GetAsync(graph.PhoneNumberId, token: (await SandboxGraph.ForNumberAsync(App, 1)).AccessToken);

        Assert.Equal(graph.PhoneNumberId, number["id"]!.GetValue<string>());
        Assert.Equal(("GREEN", "VERIFIED", "Parley Demo"), (number["quality_rating"]!.GetValue<string>(), number["code_verification_status"]!.GetValue<string>(), number["verified_name"]!.GetValue<string>()));
        Assert.Equal(["name_status", "throughput", "id"], chosen.AsObject().Select(p => p.Key));
        Assert.Equal(100, unknown.ErrorCode);
        Assert.Equal(190, otherNumbersToken.ErrorCode);
    }

    [Fact]
    public async Task BusinessProfile_IsUpdatedAndReadBack()
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 2);

        var updated = await graph.PostAsync($"{graph.PhoneNumberId}/whatsapp_business_profile", """
            {"messaging_product":"whatsapp","about":"Werkstatt in Berlin","address":"Hauptstr. 1, 10115 Berlin","description":"Reparaturen aller Marken",
             "email":"werkstatt@example.com","websites":["https://werkstatt.example","https://example.com/werkstatt"],"vertical":"AUTO","profile_picture_handle":"4::aW1hZ2UvcG5n:sandbox"}
            """);
        var profile = (await graph.GetAsync($"{graph.PhoneNumberId}/whatsapp_business_profile")).Body!["data"]![0]!;
        var some = (await graph.GetAsync($"{graph.PhoneNumberId}/whatsapp_business_profile?fields=about,vertical")).Body!["data"]![0]!;
        var picture = await App.Api(null).GetAsync(new Uri(profile["profile_picture_url"]!.GetValue<string>()).PathAndQuery);

        Assert.True(updated.Body!["success"]!.GetValue<bool>());
        Assert.Equal("Werkstatt in Berlin", profile["about"]!.GetValue<string>());
        Assert.Equal(("AUTO", "whatsapp"), (profile["vertical"]!.GetValue<string>(), profile["messaging_product"]!.GetValue<string>()));
        Assert.Equal(2, profile["websites"]!.AsArray().Count);
        Assert.Equal(["about", "vertical", "messaging_product"], some.AsObject().Select(p => p.Key));
        Assert.Equal("image/png", picture.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string> BrokenProfiles() => new()
    {
        { "no messaging_product", """{"about":"Hallo"}""" },
        { "about over 139", $$"""{"messaging_product":"whatsapp","about":"{{new string('a', 140)}}"}""" },
        { "empty about", """{"messaging_product":"whatsapp","about":""}""" },
        { "three websites", """{"messaging_product":"whatsapp","websites":["https://a.example","https://b.example","https://c.example"]}""" },
        { "website not http", """{"messaging_product":"whatsapp","websites":["ftp://a.example"]}""" },
        { "bad e-mail", """{"messaging_product":"whatsapp","email":"not an address"}""" },
        { "unknown vertical", """{"messaging_product":"whatsapp","vertical":"SPACESHIPS"}""" },
        { "description over 256", $$"""{"messaging_product":"whatsapp","description":"{{new string('a', 257)}}"}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenProfiles))]
    public async Task BusinessProfile_BreakingMetasLimits_IsRefusedAndNothingChanges(string rule, string json)
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 3);
        var before = (await graph.GetAsync($"{graph.PhoneNumberId}/whatsapp_business_profile")).Body!.ToJsonString();

        var refused = await graph.PostAsync($"{graph.PhoneNumberId}/whatsapp_business_profile", json);

        Assert.True(refused.Status == HttpStatusCode.BadRequest, rule);
        Assert.Equal(100, refused.ErrorCode);
        Assert.Equal(before, (await graph.GetAsync($"{graph.PhoneNumberId}/whatsapp_business_profile")).Body!.ToJsonString());
    }

    [Fact]
    public async Task BusinessProfile_OfAnUnknownNumber_IsTheUnknownObjectError()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var unknown = await graph.GetAsync("123123/whatsapp_business_profile");

        Assert.Equal((100, 33), (unknown.ErrorCode, unknown.ErrorSubcode));
        Assert.StartsWith("Unsupported get request. Object with ID '123123'", unknown.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
