using System.Text.Json.Nodes;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

/// <summary>
/// The sandbox's answers checked against Meta's OpenAPI description (business-messaging-api_v23.0.yaml):
/// each response must satisfy the schema the description declares for its path, method and status —
/// required properties, types, enums, lengths. Errors are checked against Graph's error schema.
/// </summary>
public sealed class SandboxContractTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private const string Messages = "/{Version}/{Phone-Number-ID}/messages";
    private const string Templates = "/{Version}/{WABA-ID}/message_templates";
    private const string Template = "/{Version}/{TEMPLATE_ID}";
    private const string PhoneNumbers = "/{Version}/{WABA-ID}/phone_numbers";
    private const string PhoneNumber = "/{Version}/{Phone-Number-ID}";
    private const string Profile = "/{Version}/{Phone-Number-ID}/whatsapp_business_profile";

    private static readonly SandboxOpenApiSpec Spec = SandboxOpenApiSpec.Meta;

    private ParleyApp App => fixture.App;

    public static TheoryData<string> Sends() =>
    [
        """{"messaging_product":"whatsapp","to":"+49 170 1234567","type":"text","text":{"body":"Guten Tag"}}""",
        """{"messaging_product":"whatsapp","to":"491701234567","type":"template","template":{"name":"appointment_reminder","language":{"code":"de"},"components":[{"type":"body","parameters":[{"type":"text","text":"Erika"},{"type":"text","text":"Montag"}]}]}}""",
        """{"messaging_product":"whatsapp","to":"491701234567","type":"interactive","interactive":{"type":"button","body":{"text":"Termin passt?"},"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Ja"}},{"type":"reply","reply":{"id":"no","title":"Nein"}}]}}}""",
        """{"messaging_product":"whatsapp","to":"491701234567","type":"interactive","interactive":{"type":"list","body":{"text":"Welche Filiale?"},"action":{"button":"Filialen","sections":[{"title":"Berlin","rows":[{"id":"mitte","title":"Mitte"}]}]}}}""",
    ];

    [Theory]
    [MemberData(nameof(Sends))]
    public async Task Send_AnswersAsTheDescriptionDeclares(string json)
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 4);

        var sent = await graph.PostAsync($"{graph.PhoneNumberId}/messages", json);

        Assert.Equal(200, (int)sent.Status);
        Assert.Empty(Spec.CheckResponse(Messages, "post", 200, sent.Body));
    }

    [Fact]
    public async Task SendErrors_AreGraphApiErrors()
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 4);

        var replies = new[]
        {
            await graph.PostAsync($"{graph.PhoneNumberId}/messages", """{"messaging_product":"whatsapp","to":"491701234567","type":"text","text":{"body":"x"}}""", token: "wrong"),
            await graph.PostAsync($"{graph.PhoneNumberId}/messages", """{"messaging_product":"whatsapp","to":"491701234567","type":"text","text":{}}"""),
            await graph.PostAsync($"{graph.PhoneNumberId}/messages", """{"messaging_product":"whatsapp","to":"491701234567","type":"template","template":{"name":"nope","language":{"code":"de"}}}"""),
            await graph.PostAsync("123123/messages", "{}"),
        };

        Assert.All(replies, r => Assert.Empty(Spec.CheckResponse(Messages, "post", (int)r.Status, r.Body)));
        Assert.Equal([190, 100, 132001, 100], replies.Select(r => r.ErrorCode));
    }

    [Fact]
    public async Task TemplateManagement_AnswersAsTheDescriptionDeclares()
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 4);
        var name = SandboxGraph.UniqueName("contract");

        var created = await graph.PostAsync($"{graph.WabaId}/message_templates", $$$"""
            {"name":"{{{name}}}","category":"MARKETING","language":"en_US","components":[
              {"type":"HEADER","format":"TEXT","text":"Our {{1}} is on!","example":{"header_text":["Summer Sale"]}},
              {"type":"BODY","text":"Shop now through {{1}} and use code {{2}} to get {{3}} off.","example":{"body_text":[["the end of August","25OFF","25%"]]}},
              {"type":"FOOTER","text":"Use the buttons below to manage your subscriptions"},
              {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Unsubscribe from Promos"},{"type":"PHONE_NUMBER","text":"Call","phone_number":"4930123456"}]}]}
            """);
        var id = created.Body!["id"]!.GetValue<string>();
        await graph.ReviewedStatusAsync(id);
        var listed = await graph.GetAsync($"{graph.WabaId}/message_templates?limit=2");
        var named = await graph.GetAsync($"{graph.WabaId}/message_templates?name={name}");
        var one = await graph.GetAsync(id);
        var edited = await graph.PostAsync(id, """{"components":[{"type":"BODY","text":"New offer: {{1}} off everything.","example":{"body_text":[["20%"]]}}]}""");
        var duplicate = await graph.PostAsync($"{graph.WabaId}/message_templates", $$"""{"name":"{{name}}","category":"MARKETING","language":"en_US","components":[{"type":"BODY","text":"Hello"}]}""");
        var deleted = await graph.DeleteAsync($"{graph.WabaId}/message_templates?name={name}");
        var notFound = await graph.DeleteAsync($"{graph.WabaId}/message_templates?name={name}");

        Assert.Empty(Spec.CheckResponse(Templates, "post", 200, created.Body));
        Assert.Empty(Spec.CheckResponse(Templates, "get", 200, listed.Body));
        Assert.NotNull(listed.Body!["paging"]!["next"]);
        Assert.Empty(Spec.CheckResponse(Templates, "get", 200, named.Body));
        Assert.Single(named.Body!["data"]!.AsArray());
        Assert.Empty(Spec.CheckResponse(Template, "get", 200, one.Body));
        Assert.Empty(Spec.CheckResponse(Template, "post", 200, edited.Body));
        Assert.Empty(Spec.CheckResponse(Templates, "post", 400, duplicate.Body));
        Assert.Empty(Spec.CheckResponse(Templates, "delete", 200, deleted.Body));
        Assert.Empty(Spec.CheckResponse(Templates, "delete", 400, notFound.Body));
        Assert.Equal((100, 100), (duplicate.ErrorCode, notFound.ErrorCode));
    }

    [Fact]
    public async Task PhoneNumbers_AnswerAsTheDescriptionDeclares()
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 4);

        var list = await graph.GetAsync($"{graph.WabaId}/phone_numbers");
        var everyField = await graph.GetAsync($"{graph.WabaId}/phone_numbers?limit=1&fields=id,display_phone_number,verified_name,status,quality_rating,country_code,country_dial_code,code_verification_status,account_mode,host_platform,messaging_limit_tier,is_official_business_account");
        var one = await graph.GetAsync(graph.PhoneNumberId);
        var asked = await graph.GetAsync($"{graph.PhoneNumberId}?fields=name_status,code_verification_status,quality_rating");
        var unauthorised = await graph.GetAsync($"{graph.WabaId}/phone_numbers", token: "wrong");
        var unknownField = await graph.GetAsync($"{graph.PhoneNumberId}?fields=colour");

        Assert.Empty(Spec.CheckResponse(PhoneNumbers, "get", 200, list.Body));
        Assert.Empty(Spec.CheckResponse(PhoneNumbers, "get", 200, everyField.Body));
        Assert.Empty(Spec.CheckResponse(PhoneNumber, "get", 200, one.Body));
        Assert.Empty(Spec.CheckResponse(PhoneNumber, "get", 200, asked.Body));
        Assert.Empty(Spec.CheckResponse(PhoneNumbers, "get", 401, unauthorised.Body));
        Assert.Empty(Spec.CheckResponse(PhoneNumber, "get", 400, unknownField.Body));
    }

    [Fact]
    public async Task BusinessProfile_AnswersAsTheDescriptionDeclares()
    {
        var graph = await SandboxGraph.ForNumberAsync(App, 5);

        var updated = await graph.PostAsync($"{graph.PhoneNumberId}/whatsapp_business_profile", """
            {"messaging_product":"whatsapp","about":"Frische Blumen","address":"Marktplatz 3, 04109 Leipzig","description":"Blumen und Pflanzen",
             "email":"blumen@example.com","websites":["https://blumen.example"],"vertical":"RETAIL","profile_picture_handle":"4::aW1hZ2UvanBlZw==:sandbox"}
            """);
        var profile = await graph.GetAsync($"{graph.PhoneNumberId}/whatsapp_business_profile");
        var refused = await graph.PostAsync($"{graph.PhoneNumberId}/whatsapp_business_profile", """{"messaging_product":"whatsapp","websites":["https://a.example","https://b.example","https://c.example"]}""");

        Assert.Empty(Spec.CheckResponse(Profile, "post", 200, updated.Body));
        Assert.Empty(Spec.CheckResponse(Profile, "get", 200, profile.Body));
        Assert.Empty(Spec.CheckComponent("WhatsAppBusinessProfile", profile.Body!["data"]![0]));
        Assert.Empty(Spec.CheckResponse(Profile, "post", 400, refused.Body));
    }

    public static TheoryData<string> RecordedResponses() =>
    [
        "send_text_response_200.json", "send_template_response_200_accepted.json", "template_create_response_200.json",
        "template_list_response_200.json", "error_400_code100_subcode33_unknown_object.json", "error_400_code100_template_not_found.json",
    ];

    /// <summary>The check is not stricter than Meta: what Meta really answered passes it.</summary>
    [Theory]
    [MemberData(nameof(RecordedResponses))]
    public void RecordedMetaResponses_PassTheCheck(string file)
    {
        var body = JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDirectory(), file)));
        var (path, method, status) = file switch
        {
            "send_text_response_200.json" or "send_template_response_200_accepted.json" => (Messages, "post", 200),
            "template_create_response_200.json" => (Templates, "post", 200),
            "template_list_response_200.json" => (Templates, "get", 200),
            "error_400_code100_template_not_found.json" => (Templates, "delete", 400),
            _ => (Messages, "post", 400),
        };

        Assert.Empty(Spec.CheckResponse(path, method, status, body));
    }

    public static TheoryData<string, string, int, string> BrokenResponses() => new()
    {
        { Messages, "post", 200, """{"messaging_product":"whatsapp","contacts":[{"input":"4917","wa_id":4917}],"messages":[{"id":"wamid.x"}]}""" },
        { Messages, "post", 200, """{"messaging_product":"whatsapp","messages":"wamid.x"}""" },
        { Messages, "post", 200, """{"messaging_product":"whatsapp","messages":[{"id":"wamid.x","message_status":"sent"}]}""" },
        { Messages, "post", 400, """{"error":{"message":"(#100) Invalid parameter","type":"OAuthException"}}""" },
        { Messages, "post", 400, """{"message":"(#100) Invalid parameter","type":"OAuthException","code":100}""" },
        { Templates, "get", 200, """{"data":[{"name":"x","components":{"type":"BODY"}}]}""" },
        { Templates, "post", 200, """{"id":1299189242256801,"status":"PENDING","category":"MARKETING"}""" },
        { Templates, "get", 201, """{"data":[]}""" },
        { PhoneNumbers, "get", 200, """{"data":[{"id":"1","display_phone_number":"+49 30 1"}]}""" },
        { PhoneNumbers, "get", 200, """{"data":[{"id":"1","display_phone_number":"+49 30 1","status":"CONNECTED"}]}""" },
        { PhoneNumber, "get", 200, """{"id":"1","quality_rating":"PURPLE"}""" },
        { Profile, "post", 200, """{"success":"yes"}""" },
    };

    /// <summary>The check can fail: answers that break the description are caught.</summary>
    [Theory]
    [MemberData(nameof(BrokenResponses))]
    public void ResponsesThatBreakTheDescription_AreCaught(string path, string method, int status, string json) =>
        Assert.NotEmpty(Spec.CheckResponse(path, method, status, JsonNode.Parse(json)));

    [Fact]
    public void BusinessProfileBeyondMetasLimits_IsCaught()
    {
        var profile = JsonNode.Parse($$"""{"messaging_product":"whatsapp","about":"{{new string('a', 140)}}","websites":["https://a.example","https://b.example","https://c.example"],"vertical":"SPACESHIPS"}""");

        var problems = Spec.CheckComponent("WhatsAppBusinessProfile", profile);

        Assert.Contains(problems, p => p.Contains("/about", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("/websites", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("/vertical", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_OnASmallDescription_ChecksRequiredTypesAndReferences()
    {
        var spec = new SandboxOpenApiSpec("""
            openapi: 3.1.0
            info: {title: t, version: '1'}
            paths:
              /things:
                get:
                  responses:
                    '200':
                      content:
                        application/json:
                          schema:
                            $ref: '#/components/schemas/Thing'
            components:
              schemas:
                Thing:
                  type: object
                  required: [id, count]
                  properties:
                    id: {type: string}
                    count: {type: integer}
                    flag: {type: boolean}
            """);

        Assert.Empty(spec.CheckResponse("/things", "get", 200, JsonNode.Parse("""{"id":"a","count":2,"flag":true}""")));
        Assert.NotEmpty(spec.CheckResponse("/things", "get", 200, JsonNode.Parse("""{"id":"a"}""")));
        Assert.NotEmpty(spec.CheckResponse("/things", "get", 200, JsonNode.Parse("""{"id":1,"count":2}""")));
        Assert.NotEmpty(spec.CheckResponse("/things", "get", 200, JsonNode.Parse("""{"id":"a","count":"2"}""")));
        Assert.NotEmpty(spec.CheckResponse("/things", "get", 201, JsonNode.Parse("""{"id":"a","count":2}""")));
    }

    private static string FixtureDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "shared", "reference", "whatsapp-fixtures")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("shared/reference/whatsapp-fixtures not found"), "shared", "reference", "whatsapp-fixtures");
    }
}
