using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>A prepared answer of the workspace; <c>/shortcut</c> in the composer inserts its body.</summary>
public sealed class CannedReply
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Shortcut { get; set; }
    public required string Body { get; set; }
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; set; }
}

internal sealed class CannedReplyConfiguration : IEntityTypeConfiguration<CannedReply>
{
    public void Configure(EntityTypeBuilder<CannedReply> builder)
    {
        builder.ToTable("canned_replies");
        builder.Property(c => c.Shortcut).HasMaxLength(32);
        builder.Property(c => c.Body).HasMaxLength(4096);
        builder.HasIndex(c => new { c.WorkspaceId, c.Shortcut }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => c.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed record CannedReplyView(Guid Id, string Shortcut, string Body, DateTime UpdatedAt);

/// <summary>
/// The workspace's canned replies. A body may use <c>{{contact.name}}</c> and <c>{{agent.name}}</c>,
/// filled in when the composer inserts it (<see cref="Fill"/>).
/// </summary>
public sealed partial class CannedReplies(ParleyDb db, WorkspaceContext workspace, TimeProvider clock)
{
    public async Task<IReadOnlyList<CannedReplyView>> ListAsync(CancellationToken cancellationToken) =>
        await db.CannedReplies.AsNoTracking().OrderBy(c => c.Shortcut)
            .Select(c => new CannedReplyView(c.Id, c.Shortcut, c.Body, c.UpdatedAt)).ToListAsync(cancellationToken);

    public async Task<Outcome<CannedReplyView>> CreateAsync(string? shortcut, string? body, CancellationToken cancellationToken)
    {
        var (cleanShortcut, cleanBody, problem) = Check(shortcut, body, required: true);
        if (problem is not null)
        {
            return problem;
        }

        if (await db.CannedReplies.AnyAsync(c => c.Shortcut == cleanShortcut, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This shortcut is taken; choose another one.", "shortcut");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var reply = new CannedReply { WorkspaceId = workspace.RequiredWorkspaceId, Shortcut = cleanShortcut!, Body = cleanBody!, CreatedAt = now, UpdatedAt = now };
        db.CannedReplies.Add(reply);
        await db.SaveChangesAsync(cancellationToken);
        return View(reply);
    }

    /// <summary>Looks the reply up first, so another workspace's id is "not found" whatever the body says.</summary>
    public async Task<Outcome<CannedReplyView>> UpdateAsync(Guid id, string? shortcut, string? body, CancellationToken cancellationToken)
    {
        var reply = await db.CannedReplies.FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (reply is null)
        {
            return OperationError.NotFound;
        }

        var (cleanShortcut, cleanBody, problem) = Check(shortcut, body, required: false);
        if (problem is not null)
        {
            return problem;
        }

        if (cleanShortcut is null && cleanBody is null)
        {
            return OperationError.Invalid("shortcut", "Send shortcut, body or both.");
        }

        if (cleanShortcut is not null && cleanShortcut != reply.Shortcut && await db.CannedReplies.AnyAsync(c => c.Shortcut == cleanShortcut, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This shortcut is taken; choose another one.", "shortcut");
        }

        reply.Shortcut = cleanShortcut ?? reply.Shortcut;
        reply.Body = cleanBody ?? reply.Body;
        reply.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return View(reply);
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        await db.CannedReplies.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;

    /// <summary>The body with its variables filled in for one conversation and agent.</summary>
    public static string Fill(string body, string? contactName, string? agentName) =>
        Variable().Replace(body, m => m.Groups[1].Value switch
        {
            "contact.name" => contactName ?? "",
            "agent.name" => agentName ?? "",
            _ => m.Value,
        });

    private static (string? Shortcut, string? Body, OperationError? Problem) Check(string? shortcut, string? body, bool required)
    {
        var cleanShortcut = shortcut?.Trim().TrimStart('/').ToLowerInvariant();
        var cleanBody = body?.Trim();
        if ((required || shortcut is not null) && (cleanShortcut is null || !Shortcut().IsMatch(cleanShortcut)))
        {
            return (null, null, OperationError.Invalid("shortcut", "A shortcut has 1 to 32 lowercase letters, digits, - or _."));
        }

        if ((required || body is not null) && cleanBody is not { Length: >= 1 and <= 4096 })
        {
            return (null, null, OperationError.Invalid("body", "A canned reply has between 1 and 4,096 characters."));
        }

        return (cleanShortcut, cleanBody, null);
    }

    private static CannedReplyView View(CannedReply c) => new(c.Id, c.Shortcut, c.Body, c.UpdatedAt);

    [GeneratedRegex("^[a-z0-9_-]{1,32}$")]
    private static partial Regex Shortcut();

    [GeneratedRegex(@"\{\{\s*([a-z.]+)\s*\}\}")]
    private static partial Regex Variable();
}
