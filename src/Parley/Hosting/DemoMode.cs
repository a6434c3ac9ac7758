using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Data;
using Parley.Identity;

namespace Parley.Hosting;

/// <summary>
/// Demo mode is the embedded default: on unless <c>Parley:Demo=false</c>, and off by default when
/// PostgreSQL (a production set-up) is configured.
/// </summary>
public sealed class DemoMode(IOptions<ParleyOptions> options, DatabaseSettings database)
{
    public const string WorkspaceSlug = "demo";
    public const string OwnerEmail = "owner@demo.parley.test";

    public bool Enabled { get; } = options.Value.Demo ?? !database.IsPostgres;

    /// <summary>
    /// On the very first start (no workspace at all) creates the demo workspace and its owner, and returns
    /// the owner's password so it can be shown once. Returns null on every later start.
    /// </summary>
    public static async Task<string?> SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        if (await db.Workspaces.IgnoreQueryFilters().AnyAsync(cancellationToken))
        {
            return null;
        }

        var created = await scope.ServiceProvider.GetRequiredService<Workspaces>().CreateAsync(WorkspaceSlug, "Demo", Actor.System, cancellationToken);
        if (!created.Succeeded)
        {
            return null;
        }

        var owner = await scope.ServiceProvider.GetRequiredService<Members>().AddAsync(OwnerEmail, "Demo Owner", "owner", cancellationToken);
        return owner.Value?.InitialPassword;
    }
}
