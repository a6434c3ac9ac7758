using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Consent;

public sealed record KeywordSettingsView(IReadOnlyList<string> Stop, IReadOnlyList<string> Start, string? StopReply, string? StartReply);

public sealed record KeywordSettingsRequest(IReadOnlyList<string>? Stop, IReadOnlyList<string>? Start, string? StopReply, string? StartReply);

/// <summary>
/// The words a customer sends to withdraw (STOP) or give again (START) marketing consent, per workspace,
/// and the confirmation they get. A message counts when it is the keyword alone (any case, trailing
/// punctuation ignored), so "stop the delivery" is not an objection.
/// </summary>
public sealed class ConsentKeywords(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public static readonly string[] DefaultStop = ["STOP", "STOPP", "ABMELDEN", "UNSUBSCRIBE"];
    public static readonly string[] DefaultStart = ["START", "ANMELDEN"];

    /// <summary>German keywords are answered in German by default, all others in English.</summary>
    private static readonly HashSet<string> German = ["STOPP", "ABMELDEN", "ANMELDEN"];

    public const int MaxKeywordLength = 32;

    private KeywordSettingsView? loaded;

    public async Task<KeywordSettingsView> GetAsync(CancellationToken cancellationToken)
    {
        if (loaded is not null)
        {
            return loaded;
        }

        var settings = await db.ConsentSettings.AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        return loaded = settings is null
            ? new KeywordSettingsView(DefaultStop, DefaultStart, null, null)
            : new KeywordSettingsView(Split(settings.StopKeywords), Split(settings.StartKeywords), settings.StopReply, settings.StartReply);
    }

    public async Task<Outcome<KeywordSettingsView>> SetAsync(KeywordSettingsRequest request, CancellationToken cancellationToken)
    {
        if (Clean(request.Stop) is not { } stop)
        {
            return OperationError.Invalid("stop", "stop is a list of 1 to 20 keywords, each one word of at most 32 letters or digits.");
        }

        if (Clean(request.Start) is not { } start)
        {
            return OperationError.Invalid("start", "start is a list of 1 to 20 keywords, each one word of at most 32 letters or digits.");
        }

        if (stop.Intersect(start).Any())
        {
            return OperationError.Invalid("start", "A keyword cannot both stop and start.");
        }

        if (request.StopReply?.Trim().Length > 1000 || request.StartReply?.Trim().Length > 1000)
        {
            return OperationError.Invalid(request.StopReply?.Trim().Length > 1000 ? "stopReply" : "startReply", "A reply has at most 1,000 characters.");
        }

        var settings = await db.ConsentSettings.FirstOrDefaultAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        if (settings is null)
        {
            settings = new ConsentSettings { WorkspaceId = workspace.RequiredWorkspaceId, StopKeywords = "", StartKeywords = "", UpdatedAt = now };
            db.ConsentSettings.Add(settings);
        }

        settings.StopKeywords = string.Join(' ', stop);
        settings.StartKeywords = string.Join(' ', start);
        settings.StopReply = NullIfEmpty(request.StopReply);
        settings.StartReply = NullIfEmpty(request.StartReply);
        settings.UpdatedAt = now;
        audit.Add("consent.keywords_changed", details: $"stop={settings.StopKeywords} start={settings.StartKeywords}");
        await db.SaveChangesAsync(cancellationToken);
        loaded = null;
        return await GetAsync(cancellationToken);
    }

    /// <summary>Whether a message is a keyword, and which: true to start, false to stop, null for neither.</summary>
    public static bool? Match(KeywordSettingsView settings, string body, out string keyword)
    {
        keyword = Normalise(body);
        return settings.Stop.Contains(keyword) ? false : settings.Start.Contains(keyword) ? true : null;
    }

    /// <summary>A cheap pre-check before any settings are loaded: keywords are single short words.</summary>
    public static bool MightBeKeyword(string body) => body.Length <= MaxKeywordLength + 8 && Normalise(body) is { Length: > 0 } word && !word.Contains(' ', StringComparison.Ordinal);

    /// <summary>The workspace's own answer, else the built-in one in the keyword's language.</summary>
    public static string Reply(KeywordSettingsView settings, string keyword, bool start) =>
        (start ? settings.StartReply : settings.StopReply) ?? CustomerReplies.Keyword(German.Contains(keyword), start);

    private static string Normalise(string body) => body.Trim().TrimEnd('.', '!', '?').Trim().ToUpperInvariant();

    private static List<string>? Clean(IReadOnlyList<string>? words)
    {
        if (words is null || words.Count is 0 or > 20)
        {
            return null;
        }

        var cleaned = words.Select(w => (w ?? "").Trim().ToUpperInvariant()).Distinct().ToList();
        return cleaned.All(w => w.Length is > 0 and <= MaxKeywordLength && w.All(char.IsLetterOrDigit)) ? cleaned : null;
    }

    private static string[] Split(string words) => words.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
