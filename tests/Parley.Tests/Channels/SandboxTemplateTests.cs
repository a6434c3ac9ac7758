using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class SandboxTemplateTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    private const string TextParameter = """{"type":"text","text":"x"}""";

    private static string Positional(string name, string body = "Hallo {{1}}, Ihre Bestellung {{2}} ist da.", string examples = """[["Erika","A-17"]]""") =>
        $$$"""
        {"name":"{{{name}}}","category":"UTILITY","language":"de","components":[
          {"type":"HEADER","format":"TEXT","text":"Bestellung"},
          {"type":"BODY","text":"{{{body}}}","example":{"body_text":{{{examples}}}}},
          {"type":"FOOTER","text":"Parley Demo"},
          {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Danke"},{"type":"URL","text":"Verfolgen","url":"https://example.com/track/{{1}}","example":["https://example.com/track/A-17"]}]}]}
        """;

    [Fact]
    public async Task CreatedTemplate_IsPendingThenApproved_AndParleyReceivesTheSignedStatusWebhook()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("order_ready");

        var created = await graph.PostAsync($"{graph.WabaId}/message_templates", Positional(name));

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("PENDING", created.Body!["status"]!.GetValue<string>());
        Assert.Equal("UTILITY", created.Body["category"]!.GetValue<string>());
        var id = created.Body["id"]!.GetValue<string>();
        Assert.Matches("^[0-9]{16}$", id);
        Assert.Equal("APPROVED", await graph.ReviewedStatusAsync(id));

        var change = await StatusChangeAsync(name);
        Assert.Equal("message_template_status_update", change["field"]!.GetValue<string>());
        Assert.Equal("APPROVED", change["value"]!["event"]!.GetValue<string>());
        Assert.Equal(long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), change["value"]!["message_template_id"]!.GetValue<long>());
        Assert.Equal("de", change["value"]!["message_template_language"]!.GetValue<string>());
    }

    [Fact]
    public async Task BodyOfNothingButVariables_IsRejectedInReview_WithTheReason()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("only_vars");
        var id = await graph.CreateTemplateAsync(Positional(name, "{{1}} {{2}}"));

        Assert.Equal("REJECTED", await graph.ReviewedStatusAsync(id));
        Assert.Equal("INVALID_FORMAT", (await graph.GetAsync($"{id}?fields=rejected_reason")).Body!["rejected_reason"]!.GetValue<string>());
        var value = (await StatusChangeAsync(name))["value"]!;
        Assert.Equal(("REJECTED", "INVALID_FORMAT"), (value["event"]!.GetValue<string>(), value["reason"]!.GetValue<string>()));
        Assert.NotNull(value["rejection_info"]?["reason"]);
    }

    [Fact]
    public async Task CreatedTemplate_IsSendableOnlyOnceApproved_AndWithItsParameterCount()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("pickup");
        var id = await graph.CreateTemplateAsync(Positional(name));
        string Send(int parameters) =>
            $$$"""{"messaging_product":"whatsapp","to":"491701234567","type":"template","template":{"name":"{{{name}}}","language":{"code":"de"},"components":[{"type":"body","parameters":[{{{string.Join(",", Enumerable.Repeat(TextParameter, parameters))}}}]}]}}""";

        var whilePending = await graph.PostAsync($"{graph.PhoneNumberId}/messages", Send(2));
        await graph.ReviewedStatusAsync(id);
        var wrongCount = await graph.PostAsync($"{graph.PhoneNumberId}/messages", Send(1));
        var sent = await graph.PostAsync($"{graph.PhoneNumberId}/messages", Send(2));

        Assert.Equal(132001, whilePending.ErrorCode);
        Assert.Equal(132000, wrongCount.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, sent.Status);
        Assert.Equal("accepted", sent.Body!["messages"]![0]!["message_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task NamedTemplate_IsCreatedWithNamedExamples_AndSentWithParameterNames()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("named");
        var id = await graph.CreateTemplateAsync($$$"""
            {"name":"{{{name}}}","category":"MARKETING","language":"en","parameter_format":"named","components":[
              {"type":"BODY","text":"Thanks {{first_name}}! Order {{order_number}} ships today.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Erika"},{"param_name":"order_number","example":"A-17"}]}}]}
            """);
        await graph.ReviewedStatusAsync(id);

        var template = (await graph.GetAsync(id)).Body!;
        var positional = await graph.PostAsync($"{graph.PhoneNumberId}/messages", $$$"""{"messaging_product":"whatsapp","to":"491701234567","type":"template","template":{"name":"{{{name}}}","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}}""");
        var named = await graph.PostAsync($"{graph.PhoneNumberId}/messages", $$$"""{"messaging_product":"whatsapp","to":"491701234567","type":"template","template":{"name":"{{{name}}}","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","parameter_name":"order_number","text":"A-17"},{"type":"text","parameter_name":"first_name","text":"Erika"}]}]}}""");

        Assert.Equal(("NAMED", "APPROVED", "MARKETING"), (template["parameter_format"]!.GetValue<string>(), template["status"]!.GetValue<string>(), template["category"]!.GetValue<string>()));
        Assert.Equal(132012, positional.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, named.Status);
    }

    [Fact]
    public async Task SameNameAndLanguageTwice_IsMetasDuplicateError_AnotherLanguageIsFine()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("twice");
        await graph.CreateTemplateAsync(Positional(name));

        var again = await graph.PostAsync($"{graph.WabaId}/message_templates", Positional(name));
        var english = await graph.PostAsync($"{graph.WabaId}/message_templates", Positional(name).Replace("\"language\":\"de\"", "\"language\":\"en_US\"", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal((100, 2388024), (again.ErrorCode, again.ErrorSubcode));
        Assert.NotNull(again.Body!["error"]!["error_user_msg"]);
        Assert.Equal(HttpStatusCode.OK, english.Status);
    }

    public static TheoryData<string, string, int?> BrokenTemplates() => new()
    {
        { "name with capitals", """{"name":"Order_Ready","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"}]}""", null },
        { "name too long", $$"""{"name":"{{new string('a', 513)}}","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"}]}""", null },
        { "unknown category", """{"name":"x","category":"SERVICE","language":"de","components":[{"type":"BODY","text":"Hallo"}]}""", null },
        { "no language", """{"name":"x","category":"UTILITY","components":[{"type":"BODY","text":"Hallo"}]}""", null },
        { "no body", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"FOOTER","text":"Hallo"}]}""", null },
        { "variable without example", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo {{1}}, bis bald."}]}""", 2388072 },
        { "too few examples", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo {{1}} und {{2}}, bis bald.","example":{"body_text":[["a"]]}}]}""", 2388072 },
        { "positional out of sequence", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo {{2}}, bis bald.","example":{"body_text":[["a"]]}}]}""", 2388072 },
        { "named without named examples", """{"name":"x","category":"UTILITY","language":"de","parameter_format":"NAMED","components":[{"type":"BODY","text":"Hallo {{vorname}}, bis bald.","example":{"body_text":[["a"]]}}]}""", 2388072 },
        { "named variable in capitals", """{"name":"x","category":"UTILITY","language":"de","parameter_format":"NAMED","components":[{"type":"BODY","text":"Hallo {{Vorname}}, bis bald."}]}""", 2388072 },
        { "leading variable", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"{{1}}, Ihre Bestellung ist da","example":{"body_text":[["a"]]}}]}""", 2388299 },
        { "body over 1024", $$"""{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"{{new string('a', 1025)}}"}]}""", 2388040 },
        { "header over 60", $$"""{"name":"x","category":"UTILITY","language":"de","components":[{"type":"HEADER","format":"TEXT","text":"{{new string('a', 61)}}"},{"type":"BODY","text":"Hallo"}]}""", 2388040 },
        { "image header without sample", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Hallo"}]}""", 2388047 },
        { "footer with variable", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"},{"type":"FOOTER","text":"Gruß {{1}}"}]}""", 2388073 },
        { "three URL buttons", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"},{"type":"BUTTONS","buttons":[{"type":"URL","text":"a","url":"https://a.example"},{"type":"URL","text":"b","url":"https://b.example"},{"type":"URL","text":"c","url":"https://c.example"}]}]}""", null },
        { "quick replies not grouped", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"a"},{"type":"URL","text":"b","url":"https://b.example"},{"type":"QUICK_REPLY","text":"c"}]}]}""", null },
        { "button label over 25", """{"name":"x","category":"UTILITY","language":"de","components":[{"type":"BODY","text":"Hallo"},{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"abcdefghijklmnopqrstuvwxyz"}]}]}""", null },
    };

    [Theory]
    [MemberData(nameof(BrokenTemplates))]
    public async Task TemplateBreakingMetasRules_IsRefusedWithCode100(string rule, string json, int? subcode)
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var refused = await graph.PostAsync($"{graph.WabaId}/message_templates", json);

        Assert.True(refused.Status == HttpStatusCode.BadRequest, rule);
        Assert.Equal(100, refused.ErrorCode);
        Assert.Equal(subcode, refused.ErrorSubcode);
        Assert.Equal("OAuthException", refused.Body!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_FiltersByNameAndStatus_SelectsFields_AndPagesWithCursors()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var stem = SandboxGraph.UniqueName("paged");
        foreach (var i in Enumerable.Range(1, 3))
        {
            await graph.ReviewedStatusAsync(await graph.CreateTemplateAsync(Positional($"{stem}_{i}")));
        }

        var first = await graph.GetAsync($"{graph.WabaId}/message_templates?name={stem}&status=APPROVED&fields=name,status&limit=2");
        var next = first.Body!["paging"]!["next"]!.GetValue<string>();
        var second = await graph.GetAsync($"{graph.WabaId}/message_templates?name={stem}&status=APPROVED&fields=name,status&limit=2&after={first.Body["paging"]!["cursors"]!["after"]!.GetValue<string>()}");
        var back = await graph.GetAsync($"{graph.WabaId}/message_templates?name={stem}&limit=2&before={second.Body!["paging"]!["cursors"]!["before"]!.GetValue<string>()}");
        var rejectedOnly = await graph.GetAsync($"{graph.WabaId}/message_templates?name={stem}&status=REJECTED");

        Assert.Equal([$"{stem}_1", $"{stem}_2"], first.Body["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal(["name", "status", "id"], first.Body["data"]![0]!.AsObject().Select(p => p.Key));
        Assert.Contains("after=", next, StringComparison.Ordinal);
        Assert.Equal([$"{stem}_3"], second.Body!["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Null(second.Body["paging"]!["next"]);
        Assert.NotNull(second.Body["paging"]!["previous"]);
        Assert.Equal([$"{stem}_1", $"{stem}_2"], back.Body!["data"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
        Assert.Empty(rejectedOnly.Body!["data"]!.AsArray());
    }

    [Fact]
    public async Task List_WithoutFields_HasMetasDefaults_AndTheSeededTemplates()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var list = await graph.GetAsync($"{graph.WabaId}/message_templates?name=hello_world");
        var unknownField = await graph.GetAsync($"{graph.WabaId}/message_templates?fields=name,colour");

        var hello = Assert.Single(list.Body!["data"]!.AsArray())!;
        Assert.Equal(["name", "parameter_format", "components", "language", "status", "category", "id"], hello.AsObject().Select(p => p.Key));
        Assert.Equal(("APPROVED", "en_US"), (hello["status"]!.GetValue<string>(), hello["language"]!.GetValue<string>()));
        Assert.Equal(100, unknownField.ErrorCode);
        Assert.Contains("nonexisting field (colour)", unknownField.Body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edit_ReplacesTheComponents_AndSendsTheTemplateBackToReview()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("edited");
        var id = await graph.CreateTemplateAsync(Positional(name));
        await graph.ReviewedStatusAsync(id);

        var recategorised = await graph.PostAsync(id, """{"category":"MARKETING"}""");
        var edited = await graph.PostAsync(id, """{"components":[{"type":"BODY","text":"Neu: {{1}} ist abholbereit.","example":{"body_text":[["A-17"]]}}]}""");
        var pending = (await graph.GetAsync($"{id}?fields=status,components")).Body!;
        var whilePending = await graph.PostAsync(id, """{"components":[{"type":"BODY","text":"Noch einmal"}]}""");

        Assert.Equal(100, recategorised.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, edited.Status);
        Assert.True(edited.Body!["success"]!.GetValue<bool>());
        Assert.Equal("PENDING", pending["status"]!.GetValue<string>());
        Assert.Equal("Neu: {{1}} ist abholbereit.", pending["components"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(100, whilePending.ErrorCode);
        Assert.Equal("APPROVED", await graph.ReviewedStatusAsync(id));
    }

    [Fact]
    public async Task ApprovedTemplate_CanBeEditedOnceADay()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var id = await graph.CreateTemplateAsync(Positional(SandboxGraph.UniqueName("daily")));
        await graph.ReviewedStatusAsync(id);
        const string Edit = """{"components":[{"type":"BODY","text":"Ihr Auftrag {{1}} ist fertig.","example":{"body_text":[["A-17"]]}}]}""";

        var first = await graph.PostAsync(id, Edit);
        await graph.ReviewedStatusAsync(id);
        var second = await graph.PostAsync(id, Edit);
        App.Clock.Advance(TimeSpan.FromHours(25));
        var nextDay = await graph.PostAsync(id, Edit);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(100, second.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, nextDay.Status);
    }

    [Fact]
    public async Task Delete_ByNameRemovesEveryLanguage_ByHsmIdOnlyOne_UnknownIsMetasNotFound()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("gone");
        var german = await graph.CreateTemplateAsync(Positional(name));
        await graph.CreateTemplateAsync(Positional(name).Replace("\"language\":\"de\"", "\"language\":\"en\"", StringComparison.Ordinal));
        var other = SandboxGraph.UniqueName("gone_all");
        await graph.CreateTemplateAsync(Positional(other));
        await graph.CreateTemplateAsync(Positional(other).Replace("\"language\":\"de\"", "\"language\":\"en\"", StringComparison.Ordinal));

        var one = await graph.DeleteAsync($"{graph.WabaId}/message_templates?name={name}&hsm_id={german}");
        var all = await graph.DeleteAsync($"{graph.WabaId}/message_templates?name={other}");
        var unknown = await graph.DeleteAsync($"{graph.WabaId}/message_templates?name=no_such_template");
        var left = await graph.GetAsync($"{graph.WabaId}/message_templates?name=gone");

        Assert.True(one.Body!["success"]!.GetValue<bool>());
        Assert.True(all.Body!["success"]!.GetValue<bool>());
        Assert.Equal([(name, "en")], left.Body!["data"]!.AsArray().Select(t => (t!["name"]!.GetValue<string>(), t["language"]!.GetValue<string>())).Where(t => t.Item1 == name || t.Item1 == other));
        Assert.Equal((100, 2593002), (unknown.ErrorCode, unknown.ErrorSubcode));
        Assert.Equal("Message Template Not Found", unknown.Body!["error"]!["error_user_title"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeletedApprovedTemplate_BlocksItsNameAndLanguageFor30Days_AndItsIdIsUnknown()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("reused");
        var id = await graph.CreateTemplateAsync(Positional(name));
        await graph.ReviewedStatusAsync(id);
        await graph.DeleteAsync($"{graph.WabaId}/message_templates?name={name}");

        var lookup = await graph.GetAsync(id);
        var tooSoon = await graph.PostAsync($"{graph.WabaId}/message_templates", Positional(name));
        App.Clock.Advance(TimeSpan.FromDays(31));
        var later = await graph.PostAsync($"{graph.WabaId}/message_templates", Positional(name));

        Assert.Equal((100, 33), (lookup.ErrorCode, lookup.ErrorSubcode));
        Assert.Equal((100, 2388023), (tooSoon.ErrorCode, tooSoon.ErrorSubcode));
        Assert.Equal(HttpStatusCode.OK, later.Status);
    }

    [Fact]
    public async Task CustomerPhone_KnowsCreatedTemplates_ByNameLanguageAndBody()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);
        var name = SandboxGraph.UniqueName("on_phone");
        await graph.CreateTemplateAsync(Positional(name));

        var templates = JsonNode.Parse(await App.Api(null).GetStringAsync("/sandbox/api/templates"))!.AsArray();

        var shown = Assert.Single(templates, t => t!["name"]!.GetValue<string>() == name)!;
        Assert.Equal(("de", "Hallo {{1}}, Ihre Bestellung {{2}} ist da."), (shown["language"]!.GetValue<string>(), shown["body"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TemplateEndpoints_WantATokenOfTheWaba_AndKnowOnlyItsId()
    {
        var graph = await SandboxGraph.ForNumberAsync(App);

        var wrongToken = await graph.GetAsync($"{graph.WabaId}/message_templates", token: "wrong");
        var unknownWaba = await graph.GetAsync("123123/message_templates");
        var seeded = await graph.GetAsync("300000000000001");

        Assert.Equal((HttpStatusCode.Unauthorized, 190), (wrongToken.Status, wrongToken.ErrorCode));
        Assert.Equal((100, 33), (unknownWaba.ErrorCode, unknownWaba.ErrorSubcode));
        Assert.Equal("hello_world", seeded.Body!["name"]!.GetValue<string>());
    }

    /// <summary>The change about template <paramref name="name"/> among the webhooks Parley stored; the sandbox may
    /// have batched it with other templates' updates into one POST.</summary>
    private async Task<JsonNode> StatusChangeAsync(string name) =>
        await Eventually.ObjectAsync(() => App.WithDbAsync(async db =>
            (await db.WebhookDeliveries.AsNoTracking().ToListAsync())
                .Select(d => Encoding.UTF8.GetString(d.Body))
                .Where(body => body.Contains(name, StringComparison.Ordinal))
                .SelectMany(body => JsonNode.Parse(body)!["entry"]!.AsArray())
                .SelectMany(entry => entry!["changes"]!.AsArray())
                .FirstOrDefault(change => change!["value"]?["message_template_name"]?.GetValue<string>() == name)));
}
