using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Parley.Sandbox;

namespace Parley.Tests.Channels;

/// <summary>The sandbox sends webhooks that fall due together as one signed POST, as Meta batches when busy.</summary>
public sealed class SandboxWebhookTests
{
    [Fact]
    public async Task WebhooksDueTogether_GoOutAsOnePost_InOrder_AndARetryRepeatsIt()
    {
        var receiver = new Receiver(failFirst: true);
        var webhooks = Webhooks(receiver, batch: 100);
        foreach (var n in new[] { 1, 2, 3 })
        {
            webhooks.Send(Envelope(n));
        }

        await webhooks.StartAsync(CancellationToken.None);
        var posts = await receiver.WaitForAsync(2);
        await webhooks.StopAsync(CancellationToken.None);

        // Refused once, then retried with the very same bytes: one batch of three entries, in order, signed.
        Assert.Equal(posts[0], posts[1]);
        Assert.Equal(["wamid.1", "wamid.2", "wamid.3"], StatusIds(posts[1]));
        var together = new JsonArray([.. Enumerable.Range(1, 3).Select(n => Envelope(n)["entry"]![0]!.DeepClone())]);
        Assert.Equal(Encoding.UTF8.GetString(MetaJson.Serialize(new JsonObject { ["object"] = "whatsapp_business_account", ["entry"] = together })), posts[1]);
        Assert.Equal(2, receiver.Signatures.Count);
        Assert.All(receiver.Signatures, s => Assert.Equal(Sign(posts[1]), s));
    }

    [Fact]
    public async Task WithABatchOfOne_EachWebhookGoesOnItsOwn()
    {
        var receiver = new Receiver(failFirst: false);
        var webhooks = Webhooks(receiver, batch: 1);
        foreach (var n in new[] { 1, 2, 3 })
        {
            webhooks.Send(Envelope(n));
        }

        await webhooks.StartAsync(CancellationToken.None);
        var posts = await receiver.WaitForAsync(3);
        await webhooks.StopAsync(CancellationToken.None);

        Assert.Equal([["wamid.1"], ["wamid.2"], ["wamid.3"]], posts.Select(StatusIds));
    }

    [Fact]
    public async Task AnEnvelopeWrittenInAnotherOrder_GoesOutInMetasShape()
    {
        var receiver = new Receiver(failFirst: false);
        var webhooks = Webhooks(receiver, batch: 100);
        var reordered = new JsonObject { ["entry"] = Envelope(2)["entry"]!.DeepClone(), ["object"] = "whatsapp_business_account" };
        webhooks.Send(Envelope(1));
        webhooks.Send(reordered);

        await webhooks.StartAsync(CancellationToken.None);
        var posts = await receiver.WaitForAsync(1);
        await webhooks.StopAsync(CancellationToken.None);

        Assert.Equal(["wamid.1", "wamid.2"], StatusIds(posts[0]));
        Assert.StartsWith("""{"object":"whatsapp_business_account","entry":[""", posts[0], StringComparison.Ordinal);
    }

    [Fact]
    public void MetaJson_EscapesNonAsciiAndSlashesAsMetaDoes()
    {
        Assert.Equal("""{"a":"x\/y","b":"Gr\u00fc\u00dfe"}""", Encoding.UTF8.GetString(MetaJson.Serialize(new JsonObject { ["a"] = "x/y", ["b"] = "Grüße" })));
        Assert.Equal("""{"a":"plain","n":1}""", Encoding.UTF8.GetString(MetaJson.Serialize(new JsonObject { ["a"] = "plain", ["n"] = 1 })));
    }

    private const string Secret = "webhook-test-secret";

    private static SandboxWebhooks Webhooks(Receiver receiver, int batch)
    {
        var options = Options.Create(new SandboxOptions { AppSecret = Secret, WebhookUrl = "http://parley.test/webhooks/whatsapp", WebhookBatch = batch });
        return new SandboxWebhooks(receiver, options, new SandboxTarget(options), TimeProvider.System, NullLogger<SandboxWebhooks>.Instance);
    }

    private static JsonObject Envelope(int n) => new()
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject
        {
            ["id"] = "200000000000001",
            ["changes"] = new JsonArray(new JsonObject
            {
                ["field"] = "messages",
                ["value"] = new JsonObject { ["statuses"] = new JsonArray(new JsonObject { ["id"] = $"wamid.{n}", ["status"] = "sent" }) },
            }),
        }),
    };

    private static List<string> StatusIds(string body) =>
        [.. JsonDocument.Parse(body).RootElement.GetProperty("entry").EnumerateArray()
            .SelectMany(e => e.GetProperty("changes").EnumerateArray())
            .SelectMany(c => c.GetProperty("value").GetProperty("statuses").EnumerateArray())
            .Select(s => s.GetProperty("id").GetString()!)];

    private static string Sign(string body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Stands in for Parley's webhook endpoint: records each POST; with failFirst it answers the first one 500.</summary>
    private sealed class Receiver(bool failFirst) : HttpMessageHandler, IHttpClientFactory
    {
        private readonly List<string> posts = [];
        private readonly SemaphoreSlim arrived = new(0);

        public List<string> Signatures { get; } = [];

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        public async Task<List<string>> WaitForAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await arrived.WaitAsync(TimeSpan.FromSeconds(10)), $"only {i} of {count} webhooks arrived");
            }

            lock (posts)
            {
                return [.. posts];
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            bool first;
            lock (posts)
            {
                first = posts.Count == 0;
                posts.Add(body);
                Signatures.Add(request.Headers.GetValues("X-Hub-Signature-256").Single());
            }

            arrived.Release();
            return new HttpResponseMessage(failFirst && first ? HttpStatusCode.InternalServerError : HttpStatusCode.OK);
        }
    }
}
