using Parley.Identity;
using Parley.Inbox.Live;

namespace Parley.Inbox;

public static class InboxExtensions
{
    public static WebApplicationBuilder AddInbox(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<InboxQueries>();
        services.AddScoped<ConversationReader>();
        services.AddScoped<TemplateChoices>();
        services.AddScoped<Notes>();
        services.AddScoped<CannedReplies>();
        services.AddScoped<ConversationActions>();
        services.AddScoped<ConversationLabels>();
        services.AddScoped<Assignments>();
        services.AddScoped<Snoozes>();
        services.AddScoped<ChangeFeed>();
        services.AddSignalR();
        services.AddHostedService<LivePump>();
        return builder;
    }

    /// <summary>The browser side of the inbox outside Razor Pages: the live hub and the change feed it catches up from.</summary>
    public static WebApplication MapInbox(this WebApplication app)
    {
        app.MapHub<InboxHub>("/w/{workspace}/inbox/live").RequirePermission(Permission.ViewConversations);
        app.MapGet("w/{workspace}/inbox/changes", async (long? after, ChangeFeed feed, CancellationToken ct) =>
        {
            if (after is not { } cursor)
            {
                return Results.Ok(new { cursor = await feed.CurrentCursorAsync(ct), changes = Array.Empty<ChangedItem>(), truncated = false });
            }

            var batch = await feed.ReadAsync(cursor, ct);
            return Results.Ok(new { cursor = batch.Cursor, changes = batch.Changes, truncated = batch.Truncated });
        }).RequirePermission(Permission.ViewConversations).ExcludeFromDescription();
        return app;
    }
}
