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

    public Task InvokeAsync(string target, params object[] arguments) =>
        SendAsync(JsonSerializer.Serialize(new { type = 1, target, arguments }));

    /// <summary>The next message for <paramref name="target"/> within the time, or null.</summary>
    public async Task<JsonElement?> NextAsync(string target, TimeSpan within)
    {
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
