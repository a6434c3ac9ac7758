using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Inbox;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Inbox;

public sealed class InboxTests(ParleyAppFixture fixture) : IClassFixture<ParleyAppFixture>
{
    private ParleyApp App => fixture.App;

    /// <summary>A workspace with a number, a signed-in owner and one customer who wrote "text".</summary>
    private async Task<(TestWorkspace Workspace, HttpClient Browser, Guid Conversation, string PhoneNumberId)> CustomerWroteAsync(string text = "Wo bleibt mein Paket?", string name = "Erika Mustermann")
    {
        var workspace = await App.CreateWorkspaceAsync();
        var phoneNumberId = "3" + Random.Shared.NextInt64(1_000_000_000);
        await App.ConnectNumberAsync(workspace, phoneNumberId);
        var from = "49170" + Random.Shared.Next(1_000_000, 9_999_999);
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, from, $"wamid.{Guid.NewGuid():N}", text, App.Clock.GetUtcNow(), name));
        await App.WaitForWebhooksAsync();
        var list = await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/conversations");
        var conversation = list.GetProperty("items")[0].GetProperty("id").GetGuid();
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        return (workspace, browser, conversation, phoneNumberId);
    }

    [Fact]
    public async Task StartPage_IsTheInbox_AndListsTheWaitingCustomerWithUnreadCountPreviewAndWindow()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync();

        var start = await browser.GetAsync("/");
        Assert.Equal($"/w/{workspace.Slug}/inbox", start.Headers.Location?.OriginalString);
        var page = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=unassigned");

        Assert.Contains($"/w/{workspace.Slug}/inbox/{conversation}", page, StringComparison.Ordinal);
        Assert.Contains("Erika Mustermann", page, StringComparison.Ordinal);
        Assert.Contains("Wo bleibt mein Paket?", page, StringComparison.Ordinal);
        Assert.Contains("1<span class=\"visually-hidden\"> unread", page, StringComparison.Ordinal);
        Assert.Contains("Window closes in 24 h 0 min", page, StringComparison.Ordinal);
        Assert.Contains("Reply due", page, StringComparison.Ordinal);
        var mine = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=mine");
        Assert.DoesNotContain(conversation.ToString(), mine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstResponseTarget_IsSetByAnAdmin_AndAWaitingConversationTurnsOverdue()
    {
        var (workspace, browser, _, _) = await CustomerWroteAsync();
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/inbox/settings");

        var bad = await browser.PostAsync($"/w/{workspace.Slug}/inbox/settings", Form(token, ("firstResponseMinutes", "0")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("between 1 and 10080", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var saved = await browser.PostAsync($"/w/{workspace.Slug}/inbox/settings", Form(token, ("firstResponseMinutes", "15")));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

        var before = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all");
        Assert.DoesNotContain("Reply overdue", before, StringComparison.Ordinal);
        App.Clock.Advance(TimeSpan.FromMinutes(16));
        var later = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all");
        Assert.Contains("Reply overdue", later, StringComparison.Ordinal);
        Assert.Contains("class=\"unread overdue\"", later, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpeningAConversation_ShowsItsHistory_AndClearsTheUnreadCount()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync("Hallo <b>Welt</b>");

        var page = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox/{conversation}");

        Assert.Contains("Hallo &lt;b&gt;Welt&lt;/b&gt;", page, StringComparison.Ordinal);
        Assert.Contains("Window closes in", page, StringComparison.Ordinal);
        var contact = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation)
            .Join(db.Contacts.IgnoreQueryFilters(), c => c.ContactId, k => k.Id, (c, k) => new { k.Id, k.CustomerId }).SingleAsync());
        Assert.Contains($"<code>{contact.CustomerId}</code>", page, StringComparison.Ordinal);
        Assert.Contains($"/contacts/{contact.Id}", page, StringComparison.Ordinal);
        Assert.Contains($"/consent/contact?id={contact.Id}", page, StringComparison.Ordinal);
        var unread = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation).Select(c => c.UnreadCount).SingleAsync());
        Assert.Equal(0, unread);
    }

    [Fact]
    public async Task OneClick_SendsOnce_EvenWhenTheFormArrivesTwice_AndTheReplyStopsTheFirstResponseClock()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync();
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        var key = Guid.NewGuid().ToString("N");

        var first = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Ist unterwegs!"), ("clientKey", key)));
        var second = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Ist unterwegs!"), ("clientKey", key)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var sent = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == conversation && m.Direction == MessageDirection.Outbound).ToListAsync());
        var message = Assert.Single(sent);
        Assert.Equal(workspace.Owner.Id, message.AuthorId);
        var waiting = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation).Select(c => c.AwaitingReplySince).SingleAsync());
        Assert.Null(waiting);
    }

    [Fact]
    public async Task ApiSend_WithTheSameIdempotencyKey_AnswersTheFirstMessage()
    {
        var (workspace, _, conversation, _) = await CustomerWroteAsync();
        var api = App.Api(workspace.AdminKey);

        async Task<Guid> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{conversation}/messages")
            {
                Content = JsonContent.Create(new { type = "text", text = new { body = "Einmal" } }),
            };
            request.Headers.Add("Idempotency-Key", "order-4711");
            var response = await api.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }

        Assert.Equal(await SendAsync(), await SendAsync());
    }

    [Fact]
    public async Task OutsideTheWindow_TheComposerOffersNoFreeText_AndSaysWhy()
    {
        var (workspace, _, conversation, _) = await CustomerWroteAsync();
        App.Clock.Advance(TimeSpan.FromHours(25));
        var browser = App.Browser(); // The first session has expired meanwhile.
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";

        var page = await browser.GetStringAsync(path);

        Assert.Contains("data-mode=\"template\"", page, StringComparison.Ordinal);
        Assert.Contains("only delivers approved templates", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"composer-text\"", page, StringComparison.Ordinal);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, $"/w/{workspace.Slug}/inbox");
        var refused = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Hallo?"), ("clientKey", "k1")));
        Assert.Contains("The 24-hour window is closed", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snooze_EndsWhenItsTimeHasCome_OrWhenTheCustomerWrites()
    {
        var (workspace, browser, conversation, phoneNumberId) = await CustomerWroteAsync();
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        var until = App.Clock.GetUtcNow().UtcDateTime.AddHours(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture);

        var past = await browser.PostAsync($"{path}?handler=status", Form(token, ("status", "snoozed"), ("snoozeUntil", "2001-01-01T00:00")));
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("Choose a time in the future", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync($"{path}?handler=status", Form(token, ("status", "snoozed"), ("snoozeUntil", until)))).StatusCode);
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&status=snoozed"), StringComparison.Ordinal);

        App.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, await WakeAsync());
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.True(await WakeAsync() >= 1);
        Assert.Equal(ConversationStatus.Open, await StatusAsync(conversation));

        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync($"{path}?handler=status", Form(token, ("status", "snoozed"), ("snoozeUntil", App.Clock.GetUtcNow().UtcDateTime.AddDays(1).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture))))).StatusCode);
        var contact = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation)
            .Join(db.Contacts.IgnoreQueryFilters(), c => c.ContactId, k => k.Id, (c, k) => k.WaId).SingleAsync());
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, contact!, $"wamid.{Guid.NewGuid():N}", "Noch da?", App.Clock.GetUtcNow()));
        await App.WaitForWebhooksAsync();
        Assert.Equal(ConversationStatus.Open, await StatusAsync(conversation));
    }

    [Fact]
    public async Task Assignment_ThroughTheApi_IsAuditedAndFiltersTheList()
    {
        var (workspace, _, conversation, _) = await CustomerWroteAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var viewer = await App.AddUserAsync(workspace.Slug, "viewer");
        var api = App.Api(workspace.AdminKey);

        var toViewer = await api.PostAsJsonAsync($"/api/v1/conversations/{conversation}/assignment", new { assigneeId = viewer.Id });
        Assert.Equal(HttpStatusCode.BadRequest, toViewer.StatusCode);
        Assert.True((await toViewer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("assigneeId", out _));
        var unknownTeam = await api.PostAsJsonAsync($"/api/v1/conversations/{conversation}/assignment", new { assigneeId = agent.Id, teamId = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, unknownTeam.StatusCode);
        Assert.Null(await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation).Select(c => c.AssigneeId).SingleAsync()));

        var assigned = await api.PostAsJsonAsync($"/api/v1/conversations/{conversation}/assignment", new { assigneeId = agent.Id });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);

        var theirs = await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations?assignee={agent.Id}");
        Assert.Equal(conversation, Assert.Single(theirs.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>("/api/v1/conversations?assignee=none")).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/v1/conversations?assignee=me")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/v1/conversations?assignee=someone")).StatusCode);
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations?team={Guid.NewGuid()}")).GetProperty("items").EnumerateArray());
        var audit = await api.GetStringAsync("/api/v1/audit-log");
        Assert.Contains("conversation.assigned", audit, StringComparison.Ordinal);

        var agentBrowser = App.Browser();
        await ParleyApp.SignInAsync(agentBrowser, agent.Email, agent.Password);
        Assert.Contains(conversation.ToString(), await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=mine"), StringComparison.Ordinal);
        Assert.DoesNotContain(conversation.ToString(), await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=unassigned"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_FindsContactNamesAndMessageText()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync("Die Lieferung 100% beschädigt", "Zacharias Quell");

        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=zachar"), StringComparison.Ordinal);
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=LIEFERUNG"), StringComparison.Ordinal);
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=100%25"), StringComparison.Ordinal);
        Assert.Contains("No conversation matches", await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=Rechnung"), StringComparison.Ordinal);
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=Qu"), StringComparison.Ordinal); // short: scans
        Assert.Contains("No conversation matches", await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=%22Lief%22%20OR%20x"), StringComparison.Ordinal);
        var customerId = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation)
            .Join(db.Contacts.IgnoreQueryFilters(), c => c.ContactId, k => k.Id, (c, k) => k.CustomerId).SingleAsync());
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q={customerId.ToLowerInvariant()}"), StringComparison.Ordinal);

        // A note is found by its text, and a message whose text changes is found by the new text only.
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Kulanz genehmigt"), ("mode", "note"), ("clientKey", "s1")));
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=kulanz"), StringComparison.Ordinal);
        await App.WithDbAsync(async db => await db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == conversation && m.Type == "text")
            .ExecuteUpdateAsync(u => u.SetProperty(m => m.Content, "{\"body\":\"Paket ist da\"}")));
        Assert.Contains("No conversation matches", await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=Lieferung"), StringComparison.Ordinal);
        Assert.Contains(conversation.ToString(), await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&q=paket%20ist"), StringComparison.Ordinal);

        // Another workspace with the same words finds only its own conversation.
        var (other, otherBrowser, otherConversation, _) = await CustomerWroteAsync("Paket ist da", "Zacharias Quell");
        var found = await otherBrowser.GetStringAsync($"/w/{other.Slug}/inbox?view=all&q=paket%20ist");
        Assert.Contains(otherConversation.ToString(), found, StringComparison.Ordinal);
        Assert.DoesNotContain(conversation.ToString(), found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMarketer_LandsOnTheOverview_AndCannotReadConversations()
    {
        var (workspace, _, conversation, _) = await CustomerWroteAsync();
        var marketer = await App.AddUserAsync(workspace.Slug, "marketer");
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, marketer.Email, marketer.Password);

        var inbox = await browser.GetAsync($"/w/{workspace.Slug}/inbox");
        Assert.Equal(HttpStatusCode.Redirect, inbox.StatusCode);
        Assert.Equal($"/w/{workspace.Slug}", inbox.Headers.Location?.OriginalString);
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync($"/w/{workspace.Slug}/inbox/{conversation}")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync($"/w/{workspace.Slug}/inbox/changes?after=0")).StatusCode);
    }

    [Fact]
    public async Task OutsideTheWindow_AnApprovedTemplateIsChosenFilledInAndSent()
    {
        var workspace = await App.CreateWorkspaceAsync();
        var (_, phoneNumberId) = await App.ConnectSandboxNumberAsync(workspace);
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "4917255500" + Random.Shared.Next(100, 999), $"wamid.{Guid.NewGuid():N}", "Hallo", App.Clock.GetUtcNow()));
        await App.WaitForWebhooksAsync();
        var conversation = (await App.Api(workspace.AdminKey).GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items")[0].GetProperty("id").GetGuid();
        App.Clock.Advance(TimeSpan.FromHours(25));
        var browser = App.Browser();
        await ParleyApp.SignInAsync(browser, workspace.Owner.Email, workspace.Owner.Password);
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";

        var page = await browser.GetStringAsync(path);
        Assert.Contains("appointment_reminder (de, utility)", page, StringComparison.Ordinal);
        var chosen = await browser.GetStringAsync($"{path}?handler=composer&template=appointment_reminder%7Cde");
        Assert.Contains("data-variable=\"1\"", chosen, StringComparison.Ordinal);
        Assert.Contains("data-variable=\"2\"", chosen, StringComparison.Ordinal);
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);

        var missing = await browser.PostAsync($"{path}?handler=template", Form(token, ("template", "appointment_reminder|de"), ("values", "Erika"), ("clientKey", "t1")));
        Assert.Contains("Fill in every variable", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var sent = await browser.PostAsync($"{path}?handler=template", Form(token, ("template", "appointment_reminder|de"), ("values", "Erika"), ("values", "Montag"), ("clientKey", "t2")));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var message = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ConversationId == conversation && m.Direction == MessageDirection.Outbound));
        Assert.Equal("template", message.Type);
        Assert.Contains("\"name\":\"appointment_reminder\"", message.Content, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"Montag\"", message.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAttachment_FromTheComposer_IsCheckedStoredSentByMediaIdAndShownInline()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync();
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        var photo = new byte[3000];
        Random.Shared.NextBytes(photo);
        "\x89PNG\r\n\x1a\n"u8.CopyTo(photo);

        MultipartFormDataContent Upload(byte[] bytes, string type, string name, string key)
        {
            var form = new MultipartFormDataContent
            {
                { new StringContent(token), "__RequestVerificationToken" },
                { new StringContent("Ihre Rechnung"), "text" },
                { new StringContent(key), "clientKey" },
            };
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
            form.Add(file, "attachment", name);
            return form;
        }

        var refused = await browser.PostAsync($"{path}?handler=send", Upload([1, 2, 3], "application/zip", "x.zip", "a1"));
        Assert.Contains("image/jpeg, image/png", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var sent = await browser.PostAsync($"{path}?handler=send", Upload(photo, "image/png", "rechnung.png", "a2"));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var message = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ConversationId == conversation && m.Direction == MessageDirection.Outbound));
        Assert.Equal("image", message.Type);
        Assert.Contains("Ihre Rechnung", message.Content, StringComparison.Ordinal);
        var page = await browser.GetStringAsync(path);
        var src = System.Text.RegularExpressions.Regex.Match(page, "<img src=\"([^\"]+)\"").Groups[1].Value.Replace("&amp;", "&", StringComparison.Ordinal);
        Assert.StartsWith($"/w/{workspace.Slug}/inbox/{conversation}?handler=media", src, StringComparison.Ordinal);
        Assert.Equal(photo, await browser.GetByteArrayAsync(src));
    }

    [Fact]
    public async Task APrivateNote_IsNeverSent_AndNotifiesTheMentionedColleagueUntilTheyOpenIt()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync();
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);

        var added = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "@Agent Person bitte Rückruf"), ("mode", "note"), ("clientKey", "n1")));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);

        var messages = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().Where(m => m.ConversationId == conversation && m.Direction != MessageDirection.Inbound).ToListAsync());
        Assert.Equal(MessageDirection.Internal, Assert.Single(messages).Direction);
        Assert.False(await App.WithDbAsync(db => db.Outbox.IgnoreQueryFilters().AnyAsync(o => o.MessageId == messages[0].Id)));
        Assert.Contains("Private note by owner person", await browser.GetStringAsync(path), StringComparison.Ordinal);

        var agentBrowser = App.Browser();
        await ParleyApp.SignInAsync(agentBrowser, agent.Email, agent.Password);
        Assert.Equal(agent.Id, (await App.WithDbAsync(db => db.Notifications.IgnoreQueryFilters().SingleAsync(n => n.ConversationId == conversation))).UserId);
        var inbox = WebUtility.HtmlDecode(await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/inbox"));
        Assert.Contains("You were mentioned in notes: 1", inbox, StringComparison.Ordinal);
        Assert.Contains("bitte Rückruf", inbox, StringComparison.Ordinal);
        Assert.DoesNotContain("You were mentioned", await browser.GetStringAsync($"/w/{workspace.Slug}/inbox"), StringComparison.Ordinal);

        await agentBrowser.GetStringAsync(path);
        Assert.DoesNotContain("You were mentioned", await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/inbox"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMentionInAnotherConversation_PopsUpOnTheOpenConversation_UntilDismissed()
    {
        var (workspace, browser, conversation, phoneNumberId) = await CustomerWroteAsync();
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, "49170" + Random.Shared.Next(1_000_000, 9_999_999), $"wamid.{Guid.NewGuid():N}", "Hallo?", App.Clock.GetUtcNow(), "Max Muster"));
        await App.WaitForWebhooksAsync();
        var open = await App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.ContactId != db.Conversations.IgnoreQueryFilters().Where(x => x.Id == conversation).Select(x => x.ContactId).First() && c.WhatsAppNumberId == db.Conversations.IgnoreQueryFilters().Where(x => x.Id == conversation).Select(x => x.WhatsAppNumberId).First()).Select(c => c.Id).SingleAsync());
        var agent = await App.AddUserAsync(workspace.Slug, "agent");
        var agentBrowser = App.Browser();
        await ParleyApp.SignInAsync(agentBrowser, agent.Email, agent.Password);
        var openPath = $"/w/{workspace.Slug}/inbox/{open}";
        var page = await agentBrowser.GetStringAsync(openPath);
        var loadedAt = App.Clock.GetUtcNow().UtcDateTime.Ticks;
        Assert.Contains($"handler=mentions&amp;after={loadedAt}", page, StringComparison.Ordinal);

        App.Clock.Advance(TimeSpan.FromSeconds(5));
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "@Agent Person schau mal hier"), ("mode", "note"), ("clientKey", "m1")));

        var alert = WebUtility.HtmlDecode(await agentBrowser.GetStringAsync($"{openPath}?handler=mentions&after={loadedAt}"));
        Assert.Contains("You were mentioned in notes: 1", alert, StringComparison.Ordinal);
        Assert.Contains("schau mal hier", alert, StringComparison.Ordinal);
        Assert.Contains($"href=\"/w/{workspace.Slug}/inbox/{conversation}\"", alert, StringComparison.Ordinal);
        var there = await agentBrowser.GetStringAsync($"{path}?handler=mentions&after={loadedAt}");
        Assert.DoesNotContain("You were mentioned", there, StringComparison.Ordinal); // not about the conversation one is in

        var dismiss = System.Text.RegularExpressions.Regex.Match(alert, "hx-get=\"([^\"]+)\" hx-target=\"#mention-alert\"").Groups[1].Value;
        var dismissed = await agentBrowser.GetStringAsync(dismiss);
        Assert.DoesNotContain("You were mentioned", dismissed, StringComparison.Ordinal);
        Assert.Contains("You were mentioned in notes: 1", WebUtility.HtmlDecode(await agentBrowser.GetStringAsync($"/w/{workspace.Slug}/inbox")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyButtons_FromTheComposer_GoOutAsAnInteractiveMessage()
    {
        var (workspace, browser, conversation, _) = await CustomerWroteAsync();
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);

        var tooLong = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Passt Montag?"), ("buttons", "Ja, Montag passt mir sehr gut"), ("clientKey", "i1")));
        Assert.Contains("at most 20 characters", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var sent = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Passt Montag?"), ("buttons", "Ja"), ("buttons", ""), ("buttons", "Nein"), ("clientKey", "i2")));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var message = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ConversationId == conversation && m.Direction == MessageDirection.Outbound));
        Assert.Equal("interactive", message.Type);
        Assert.Contains("\"title\":\"Nein\"", message.Content, StringComparison.Ordinal);
        var page = await browser.GetStringAsync(path);
        Assert.Contains("<li>Nein</li>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChoiceList_FromTheComposer_GoesOutAsAnInteractiveList()
    {
        var (workspace, browser, conversation, phoneNumberId) = await CustomerWroteAsync();
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);

        var noMenu = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Wann passt es?"), ("listRows", "Montag\nDienstag"), ("clientKey", "l1")));
        Assert.Contains("menu button of at most 20 characters", await noMenu.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var sent = await browser.PostAsync($"{path}?handler=send", Form(token, ("text", "Wann passt es?"), ("listButton", "Termin wählen"), ("listRows", "Montag 9 Uhr\r\n\r\nDienstag 14 Uhr\n"), ("clientKey", "l2")));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var message = await App.WithDbAsync(db => db.Messages.IgnoreQueryFilters().SingleAsync(m => m.ConversationId == conversation && m.Direction == MessageDirection.Outbound));
        Assert.Equal("interactive", message.Type);
        var list = JsonDocument.Parse(message.Content).RootElement;
        Assert.Equal("list", list.GetProperty("type").GetString());
        Assert.Equal("Termin wählen", list.GetProperty("action").GetProperty("button").GetString());
        Assert.Equal(["Montag 9 Uhr", "Dienstag 14 Uhr"], list.GetProperty("action").GetProperty("sections")[0].GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("title").GetString()!));
        Assert.Contains("Dienstag 14 Uhr", await browser.GetStringAsync(path), StringComparison.Ordinal);
    }

    private async Task<int> WakeAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Snoozes>().WakeDueAsync(default);
    }

    [Fact]
    public async Task Labels_AreAddedAndRemovedOnAConversation_ShownInTheList_AndFilterIt()
    {
        var (workspace, browser, conversation, phoneNumberId) = await CustomerWroteAsync();
        var other = "49170" + Random.Shared.Next(1_000_000, 9_999_999);
        await App.PostWebhookAsync(WhatsAppTestExtensions.InboundText(phoneNumberId, other, $"wamid.{Guid.NewGuid():N}", "Noch eine Frage", App.Clock.GetUtcNow(), "Max Muster"));
        await App.WaitForWebhooksAsync();
        var api = App.Api(workspace.AdminKey);
        var billing = (await (await api.PostAsJsonAsync("/api/v1/labels", new { name = "Rechnung", colour = "#d1242f" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var vip = (await (await api.PostAsJsonAsync("/api/v1/labels", new { name = "VIP", colour = "#1f6feb" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var unknown = await api.PostAsJsonAsync($"/api/v1/conversations/{conversation}/labels", new { add = new[] { Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no label", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var added = await api.PostAsJsonAsync($"/api/v1/conversations/{conversation}/labels", new { add = new[] { vip, billing } });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(["Rechnung", "VIP"], (await added.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(l => l.GetProperty("name").GetString()));

        var filtered = await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations?label={vip}");
        var only = Assert.Single(filtered.GetProperty("items").EnumerateArray());
        Assert.Equal(conversation, only.GetProperty("id").GetGuid());
        Assert.Equal(2, only.GetProperty("labels").GetArrayLength());
        var list = await browser.GetStringAsync($"/w/{workspace.Slug}/inbox?view=all&label={vip}");
        Assert.Contains(conversation.ToString(), list, StringComparison.Ordinal);
        Assert.DoesNotContain("Max Muster", list, StringComparison.Ordinal);
        Assert.Contains(">VIP</span>", list, StringComparison.Ordinal);

        // The side panel removes one with a click.
        var path = $"/w/{workspace.Slug}/inbox/{conversation}";
        var token = await ParleyApp.AntiforgeryTokenAsync(browser, path);
        var removed = await browser.PostAsync($"{path}?handler=labels", Form(token, ("remove", vip.ToString())));
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        var panel = await removed.Content.ReadAsStringAsync();
        Assert.Contains(">Rechnung</span>", panel, StringComparison.Ordinal);
        Assert.DoesNotContain(">VIP</span>", panel, StringComparison.Ordinal);
        Assert.Empty((await api.GetFromJsonAsync<JsonElement>($"/api/v1/conversations?label={vip}")).GetProperty("items").EnumerateArray());
    }

    private Task<ConversationStatus> StatusAsync(Guid conversation) =>
        App.WithDbAsync(db => db.Conversations.IgnoreQueryFilters().Where(c => c.Id == conversation).Select(c => c.Status).SingleAsync());

    internal static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).Append(KeyValuePair.Create("__RequestVerificationToken", token)));
}
