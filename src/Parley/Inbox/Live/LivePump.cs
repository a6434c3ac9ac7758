using Microsoft.AspNetCore.SignalR;

namespace Parley.Inbox.Live;

/// <summary>
/// Watches the change feed and rings the workspaces that changed (every 200 ms at most, one small
/// indexed query); each browser then reads the feed from its own cursor. Also wakes snoozed
/// conversations whose time has come and prunes the feed, every 10 seconds.
/// </summary>
public sealed partial class LivePump(IServiceScopeFactory scopes, IHubContext<InboxHub> hub, ILogger<LivePump> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? cursor = null;
        var ticks = 0;
        var bell = new Hosting.Bell();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var feed = scope.ServiceProvider.GetRequiredService<ChangeFeed>();
                if (cursor is not { } from)
                {
                    cursor = await feed.CurrentCursorAsync(stoppingToken);
                }
                else
                {
                    var (next, workspaces) = await feed.WorkspacesChangedAsync(from, stoppingToken);
                    cursor = next;
                    foreach (var workspace in workspaces)
                    {
                        await hub.Clients.Group(InboxHub.WorkspaceGroup(workspace)).SendAsync("changed", stoppingToken);
                    }
                }

                if (++ticks % 50 == 0)
                {
                    var woken = await scope.ServiceProvider.GetRequiredService<Snoozes>().WakeDueAsync(stoppingToken);
                    await feed.PruneAsync(200_000, stoppingToken);
                    if (woken > 0)
                    {
                        LogWoken(logger, woken);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }

            await bell.WaitAsync(Tick, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Woke {Count} snoozed conversations")]
    private static partial void LogWoken(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The live pump failed; it tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
