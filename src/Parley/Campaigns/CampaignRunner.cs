using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Hosting;
using Parley.Identity;

namespace Parley.Campaigns;

public sealed class CampaignBell : Bell;

/// <summary>
/// Feeds every running (and every due scheduled) campaign, round after round, every
/// <see cref="CampaignOptions.Tick"/> or when rung (start, resume). With several processes on PostgreSQL a
/// campaign is fed by one of them at a time: the process holds a session advisory lock per campaign
/// (<see cref="NodeLock"/>) while it runs, and another takes over when that process dies.
/// </summary>
public sealed partial class CampaignRunner(
    IServiceScopeFactory scopes, DatabaseSettings settings, CampaignBell bell, IOptions<CampaignOptions> options, TimeProvider clock, ILogger<CampaignRunner> logger) : BackgroundService
{
    private readonly Dictionary<Guid, IAsyncDisposable> leases = [];
    private readonly SemaphoreSlim round = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Run)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(logger, e);
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
                }

                await bell.WaitAsync(options.Value.Tick, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lease in leases.Values)
            {
                await lease.DisposeAsync();
            }
        }
    }

    /// <summary>One round over the campaigns that have something to do (one round at a time).</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await round.WaitAsync(cancellationToken);
        try
        {
            await RoundAsync(cancellationToken);
        }
        finally
        {
            round.Release();
        }
    }

    public override void Dispose()
    {
        round.Dispose();
        base.Dispose();
    }

    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        List<(Guid Id, Guid WorkspaceId)> active;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var now = clock.GetUtcNow().UtcDateTime;
            active = (await scope.ServiceProvider.GetRequiredService<ParleyDb>().Campaigns.IgnoreQueryFilters()
                .Where(c => c.State == CampaignState.Running || (c.State == CampaignState.Scheduled && c.StartAt <= now))
                .Select(c => new { c.Id, c.WorkspaceId }).ToListAsync(cancellationToken)).Select(c => (c.Id, c.WorkspaceId)).ToList();
        }

        foreach (var gone in leases.Keys.Except(active.Select(a => a.Id)).ToList())
        {
            await leases[gone].DisposeAsync();
            leases.Remove(gone);
        }

        foreach (var (id, workspaceId) in active)
        {
            if (!leases.ContainsKey(id))
            {
                if (await NodeLock.TryAcquireAsync(settings, "campaign", id, cancellationToken) is not { } lease)
                {
                    continue; // another process feeds it
                }

                leases[id] = lease;
            }

            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<WorkspaceContext>().Enter(workspaceId, null, Role.Owner, Actor.System);
            await scope.ServiceProvider.GetRequiredService<CampaignFeeder>().FeedAsync(id, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A campaign round failed; the next one tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
