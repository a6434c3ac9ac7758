using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Parley.Tests.Infrastructure;

namespace Parley.Tests.Inbox;

/// <summary>
/// A bare SignalR client over the test server's WebSocket (JSON protocol, records separated by 0x1E):
/// the .NET SignalR client package does not install here, and this is all the tests need.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private const char Separator = '\u001e';
    private readonly WebSocket socket;
    private readonly StringBuilder pending = new();
    private readonly Queue<JsonElement> early = new();
    private int invocations;

    private HubClient(WebSocket socket) => this.socket = socket;

    /// <summary>Signs in as the person and connects to the workspace's inbox hub.</summary>
    public static async Task<HubClient> ConnectAsync(ParleyApp app, string slug, TestUser person)
    {
        var cookies = new CookieContainer();
        var browser = app.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies));
        await ParleyApp.SignInAsync(browser, person.Email, person.Password);
        var client = app.Server.CreateWebSocketClient();
        client.ConfigureRequest = request => request.Headers.Cookie = cookies.GetCookieHeader(new Uri("https://localhost"));
        var socket = await client.ConnectAsync(new Uri($"wss://localhost/w/{slug}/inbox/live"), CancellationToken.None);
        var hub = new HubClient(socket);
        await hub.SendAsync("{\"protocol\":\"json\",\"version\":1}");
        var handshake = await hub.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.True(handshake is { } h && !h.TryGetProperty("error", out _), $"Handshake failed: {handshake}");
        return hub;
    }

    /// <summary>
    /// Invokes a hub method and waits for its completion, so the hub has run it before the test goes on
    /// (a call from another connection is not ordered with this one otherwise). What arrives meanwhile is
    /// kept for <see cref="NextAsync"/>.
    /// </summary>
    public async Task InvokeAsync(string target, params object[] arguments)
    {
        var id = (++invocations).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target, arguments }));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && await ReceiveAsync(TimeSpan.FromSeconds(10) - watch.Elapsed) is { } message)
        {
            if (message.TryGetProperty("type", out var type) && type.GetInt32() == 3 && message.GetProperty("invocationId").GetString() == id)
            {
                Assert.False(message.TryGetProperty("error", out var error), $"The hub refused {target}: {error}");
                return;
            }

            early.Enqueue(message);
        }

        throw new TimeoutException($"The hub did not complete {target} within 10 seconds.");
    }

    /// <summary>The next message for <paramref name="target"/> within the time, or null.</summary>
    public async Task<JsonElement?> NextAsync(string target, TimeSpan within)
    {
        while (early.TryDequeue(out var kept))
        {
            if (kept.TryGetProperty("target", out var t) && t.GetString() == target)
            {
                return kept;
            }
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < within)
        {
            var message = await ReceiveAsync(within - watch.Elapsed);
            if (message is { } m && m.TryGetProperty("target", out var t) && t.GetString() == target)
            {
                return m;
            }
        }

        return null;
    }

    private Task SendAsync(string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json + Separator), WebSocketMessageType.Text, true, CancellationToken.None);

    private async Task<JsonElement?> ReceiveAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within > TimeSpan.Zero ? within : TimeSpan.FromMilliseconds(1));
        var buffer = new byte[8192];
        while (true)
        {
            var text = pending.ToString();
            var end = text.IndexOf(Separator, StringComparison.Ordinal);
            if (end >= 0)
            {
                pending.Remove(0, end + 1);
                return JsonDocument.Parse(text[..end]).RootElement.Clone();
            }

            try
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                pending.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }

        socket.Dispose();
    }
}
