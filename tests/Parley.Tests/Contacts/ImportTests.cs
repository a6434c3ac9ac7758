using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Contacts;

public sealed class ImportTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private static List<(int? Row, string? Column, string Message)> Problems(JsonElement report) =>
        [.. report.GetProperty("problems").EnumerateArray().Select(p => (
            p.GetProperty("row").ValueKind == JsonValueKind.Null ? (int?)null : p.GetProperty("row").GetInt32(),
            p.GetProperty("column").GetString(),
            p.GetProperty("message").GetString()!))];

    private async Task<HttpClient> WorkspaceAsync()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var api = App.Api(workspace.AdminKey);
        await api.DefineAttributeAsync("city", "text");
        await api.DefineAttributeAsync("age", "number");
        await api.PostOkAsync("/api/v1/labels", new { name = "VIP" });
        return api;
    }

    [Fact]
    public async Task DryRun_ListsEveryProblemByRowAndColumn_AndChangesNothing()
    {
        var api = await WorkspaceAsync();
        var csv = """
            phone,name,city,age,labels
            +49 171 1000001,Anna,Berlin,30,VIP
            0171 1000002,Ben,Hamburg,forty,
            12345,Cem,Köln,20,
            +49 171 1000001,Anna again,Berlin,30,
            +49 171 1000005,Dora,Bo"nn,5,
            +49 171 1000006,Emil,Essen,22,Gold
            +49 171 1000007,Fritz,Fulda
            """;

        var (status, report) = await api.ImportAsync(csv);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(report.GetProperty("applied").GetBoolean());
        var problems = Problems(report);
        Assert.True(problems.Count == 6, report.ToString());
        Assert.Contains(problems, p => p.Row == 3 && p.Column == "age");
        Assert.Contains(problems, p => p.Row == 4 && p.Column == "phone");
        Assert.Contains(problems, p => p.Row == 5 && p.Message.Contains("line 2", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Row == 6 && p.Column is null);
        Assert.Contains(problems, p => p.Row == 7 && p.Column == "labels");
        Assert.Contains(problems, p => p.Row == 8 && p.Column is null);
        Assert.DoesNotContain(problems, p => p.Row == 2);
        Assert.Equal(1, report.GetProperty("created").GetInt32()); // Anna
        Assert.Equal(6, report.GetProperty("rejected").GetInt32());
        Assert.Equal(7, report.GetProperty("rows").GetInt32());
        Assert.Empty(await api.ContactsAsync());
    }

    [Fact]
    public async Task UnknownColumnsAndWrongEncoding_StopTheWholeFile()
    {
        var api = await WorkspaceAsync();

        var (_, unknown) = await api.ImportAsync("phone,shoe_size\n+49 171 1000001,44\n", mode: "apply");
        var latin1 = Encoding.Latin1.GetBytes("phone,name\n+49 171 1000001,Jörg\n");
        var (_, encoding) = await api.ImportAsync("", mode: "apply", bytes: latin1);
        var (_, noId) = await api.ImportAsync("name,city\nAnna,Berlin\n", mode: "apply");

        Assert.Contains(Problems(unknown), p => p.Row == 1 && p.Column == "shoe_size");
        Assert.False(unknown.GetProperty("applied").GetBoolean());
        Assert.Contains(Problems(encoding), p => p.Row == 2 && p.Message.Contains("UTF-8", StringComparison.Ordinal));
        Assert.Single(Problems(noId));
        Assert.Empty(await api.ContactsAsync());
    }

    [Fact]
    public async Task Apply_TakesTheGoodRows_Strict_TakesNone_AndReimportChangesNothing()
    {
        var api = await WorkspaceAsync();
        var csv = "Telefon;Name;Stadt;Alter\n+49 171 2000001;Anna;Berlin;30\n+49 171 2000002;Ben;Hamburg;vierzig\n0171 2000003;Cem;Köln;20\n";
        var mapping = new Dictionary<string, string> { ["Telefon"] = "phone", ["Name"] = "displayName", ["Stadt"] = "attribute:city", ["Alter"] = "attribute:age" };

        var (_, strict) = await api.ImportAsync(csv, mode: "apply", strict: true, mapping: mapping);
        Assert.False(strict.GetProperty("applied").GetBoolean());
        Assert.Empty(await api.ContactsAsync());

        var (_, lenient) = await api.ImportAsync(csv, mode: "apply", mapping: mapping);
        Assert.True(lenient.GetProperty("applied").GetBoolean());
        Assert.Equal(2, lenient.GetProperty("created").GetInt32());
        Assert.Equal(1, lenient.GetProperty("rejected").GetInt32());
        var contacts = await api.ContactsAsync();
        Assert.Equal(["+491712000001", "+491712000003"], contacts.Select(c => c.GetProperty("phone").GetString()).Order());
        var cem = contacts.Single(c => c.GetProperty("displayName").GetString() == "Cem");
        Assert.Equal("Köln", cem.GetProperty("attributes").GetProperty("city").GetString());
        Assert.Equal(20, cem.GetProperty("attributes").GetProperty("age").GetDouble());

        var (_, again) = await api.ImportAsync(csv, mode: "apply", mapping: mapping);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Equal(0, again.GetProperty("updated").GetInt32());
        Assert.Equal(2, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(2, (await api.ContactsAsync()).Count);
    }

    [Fact]
    public async Task Reimport_MatchesByCustomerIdAndExternalId_AndExportImportsBackUnchanged()
    {
        var api = await WorkspaceAsync();
        var anna = await api.CreateContactAsync(new { phone = "+49 171 3000001", externalId = "crm-1", attributes = new { city = "Berlin" } });
        var customerId = anna.GetProperty("customerId").GetString();

        var (_, byCustomerId) = await api.ImportAsync($"customerId,city\n{customerId},Potsdam\n", mode: "apply");
        var (_, byExternal) = await api.ImportAsync("externalId,age,labels\ncrm-1,31,VIP\n", mode: "apply");
        var (_, unknownCustomer) = await api.ImportAsync("customerId,city\nC-ZZZZZZ,Potsdam\n", mode: "apply");
        var (_, twoContacts) = await api.ImportAsync("externalId,phone\ncrm-1,+49 171 3000009\n", mode: "dryRun");
        await api.CreateContactAsync(new { phone = "+49 171 3000009" });
        var (_, conflicting) = await api.ImportAsync("externalId,phone\ncrm-1,+49 171 3000009\n", mode: "dryRun");

        Assert.Equal(1, byCustomerId.GetProperty("updated").GetInt32());
        Assert.Equal(1, byExternal.GetProperty("updated").GetInt32());
        Assert.Contains(Problems(unknownCustomer), p => p.Row == 2 && p.Column == "customerId");
        Assert.Empty(Problems(twoContacts));
        Assert.Contains(Problems(conflicting), p => p.Row == 2 && p.Message.Contains(customerId!, StringComparison.Ordinal));
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{anna.GetProperty("id")}");
        Assert.Equal("Potsdam", after.GetProperty("attributes").GetProperty("city").GetString());
        Assert.Equal(31, after.GetProperty("attributes").GetProperty("age").GetDouble());
        Assert.Equal("VIP", after.GetProperty("labels")[0].GetProperty("name").GetString());

        var export = await api.GetStringAsync("/api/v1/contacts/export");
        Assert.StartsWith("customerId,phone,waId,externalId,displayName,labels,age,city", export, StringComparison.Ordinal);
        var mapping = new Dictionary<string, string> { ["ignore:profileName"] = "ignore", ["ignore:lastInboundAt"] = "ignore", ["ignore:createdAt"] = "ignore" };
        var (_, roundTrip) = await api.ImportAsync(export, mode: "apply", mapping: mapping);
        Assert.Empty(Problems(roundTrip));
        Assert.Equal(2, roundTrip.GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task ConsentColumns_AreChecked_AndRecordedInTheLedgerOnce()
    {
        var api = await WorkspaceAsync();
        var csv = """
            phone,consent_marketing,consent_source,consent_wording,consent_at
            +49 171 4000001,granted,web form,Ja, ich möchte Angebote per WhatsApp.,2025-05-04T10:00:00Z
            +49 171 4000002,granted,,,
            +49 171 4000003,perhaps,web form,v1,
            """.Replace("Ja, ich möchte Angebote per WhatsApp.", "\"Ja, ich möchte Angebote per WhatsApp.\"", StringComparison.Ordinal);

        var (_, dryRun) = await api.ImportAsync(csv);
        var (_, applied) = await api.ImportAsync(csv, mode: "apply");
        var (_, again) = await api.ImportAsync(csv, mode: "apply");
        var (_, unknownPurpose) = await api.ImportAsync("phone,consent_horoscopes,consent_source,consent_wording\n+49 171 4000004,granted,web,Ja\n");

        var problems = Problems(dryRun);
        Assert.Contains(problems, p => p.Row == 3 && p.Column == "consent_marketing");
        Assert.Contains(problems, p => p.Row == 4 && p.Column == "consent_marketing");
        Assert.DoesNotContain(problems, p => p.Row == 2);
        Assert.Equal(1, applied.GetProperty("created").GetInt32());
        Assert.Contains(Problems(unknownPurpose), p => p.Row == 1 && p.Column == "consent_horoscopes");
        var contact = (await api.GetFromJsonAsync<JsonElement>("/api/v1/contacts")).GetProperty("items").EnumerateArray()
            .Select(c => c.GetProperty("id").GetGuid()).Single();
        var consent = await api.GetFromJsonAsync<JsonElement>($"/api/v1/contacts/{contact}/consent");
        var record = consent.GetProperty("history").EnumerateArray().Single(); // the second import changed nothing, so added nothing
        Assert.Equal(("marketing", "granted", "import", "Ja, ich möchte Angebote per WhatsApp."),
            (record.GetProperty("purpose").GetString(), record.GetProperty("action").GetString(), record.GetProperty("source").GetString(), record.GetProperty("wording").GetString()));
        Assert.Equal(new DateTime(2025, 5, 4, 10, 0, 0, DateTimeKind.Utc), record.GetProperty("occurredAt").GetDateTime().ToUniversalTime());
        Assert.Contains("line 2: web form", record.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
    }

    [Fact]
    public async Task Import_WithoutAFile_OrWithABadMode_IsRefused()
    {
        var api = await WorkspaceAsync();

        var noFile = await api.PostAsync("/api/v1/contacts/import", new MultipartFormDataContent { { new StringContent("apply"), "mode" } });
        var (badMode, _) = await api.ImportAsync("phone\n+49 171 1\n", mode: "now");
        var viewer = App.Api(await App.CreateKeyAsync((await App.CreateWorkspaceAsync()).Slug, "viewer"));
        var (forbidden, _) = (await viewer.PostAsync("/api/v1/contacts/import", new MultipartFormDataContent()), 0);

        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badMode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
