using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Consent;

public sealed record WordingView(Guid Id, string Purpose, string Language, int Version, string Text, DateTime CreatedAt);

public sealed record PurposeView(string Key, string Name, string? Description, bool BuiltIn, IReadOnlyList<WordingView> CurrentWordings);

public sealed record CreatePurposeRequest(string? Key, string? Name, string? Description);

public sealed record CreateWordingRequest(string? Language, string? Text);

/// <summary>The purposes of the current workspace (built-in and its own) and their versioned wordings.</summary>
public sealed class ConsentCatalog(ParleyDb db, WorkspaceContext workspace, AuditLog audit, TimeProvider clock)
{
    public static readonly string[] Languages = ["de", "en"];

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) =>
        Purposes.IsBuiltIn(key) || await db.ConsentPurposes.AnyAsync(p => p.Key == key, cancellationToken);

    public async Task<IReadOnlyList<string>> KeysAsync(CancellationToken cancellationToken) =>
        [.. Purposes.BuiltIn.Select(p => p.Key), .. await db.ConsentPurposes.OrderBy(p => p.Key).Select(p => p.Key).ToListAsync(cancellationToken)];

    public async Task<IReadOnlyList<PurposeView>> ListAsync(CancellationToken cancellationToken)
    {
        var custom = await db.ConsentPurposes.AsNoTracking().OrderBy(p => p.Key).ToListAsync(cancellationToken);
        var current = await CurrentWordingsAsync(cancellationToken);
        return
        [
            .. Purposes.BuiltIn.Select(p => new PurposeView(p.Key, p.Name, p.Description, true, current.Where(w => w.Purpose == p.Key).ToList())),
            .. custom.Select(p => new PurposeView(p.Key, p.Name, p.Description, false, current.Where(w => w.Purpose == p.Key).ToList())),
        ];
    }

    /// <summary>The newest version per purpose and language.</summary>
    public async Task<List<WordingView>> CurrentWordingsAsync(CancellationToken cancellationToken) =>
        await db.ConsentWordings.AsNoTracking()
            .Where(w => !db.ConsentWordings.Any(n => n.Purpose == w.Purpose && n.Language == w.Language && n.Version > w.Version))
            .OrderBy(w => w.Purpose).ThenBy(w => w.Language)
            .Select(w => new WordingView(w.Id, w.Purpose, w.Language, w.Version, w.Text, w.CreatedAt))
            .ToListAsync(cancellationToken);

    public async Task<Outcome<PurposeView>> AddPurposeAsync(CreatePurposeRequest request, CancellationToken cancellationToken)
    {
        var key = request.Key?.Trim().ToLowerInvariant();
        if (!Purposes.IsValidKey(key))
        {
            return OperationError.Invalid("key", "A key is 2 to 64 lower-case letters, digits, - or _, starting with a letter (e.g. newsletter).");
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
        {
            return OperationError.Invalid("name", "A name of 1 to 100 characters is required.");
        }

        var description = request.Description?.Trim();
        if (description?.Length > 500)
        {
            return OperationError.Invalid("description", "A description has at most 500 characters.");
        }

        if (await ExistsAsync(key!, cancellationToken))
        {
            return new OperationError(ErrorKind.Conflict, "This purpose exists already.", "key");
        }

        var purpose = new ConsentPurpose
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            Key = key!,
            Name = name,
            Description = string.IsNullOrEmpty(description) ? null : description,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ConsentPurposes.Add(purpose);
        audit.Add("consent.purpose_added", "consent_purpose", purpose.Id, key);
        await db.SaveChangesAsync(cancellationToken);
        return new PurposeView(purpose.Key, purpose.Name, purpose.Description, false, []);
    }

    public async Task<IReadOnlyList<WordingView>?> WordingsAsync(string purpose, CancellationToken cancellationToken) =>
        await ExistsAsync(purpose, cancellationToken)
            ? await db.ConsentWordings.AsNoTracking().Where(w => w.Purpose == purpose)
                .OrderBy(w => w.Language).ThenByDescending(w => w.Version)
                .Select(w => new WordingView(w.Id, w.Purpose, w.Language, w.Version, w.Text, w.CreatedAt))
                .ToListAsync(cancellationToken)
            : null;

    /// <summary>A new version of a purpose's wording in one language; earlier versions stay as they were.</summary>
    public async Task<Outcome<WordingView>> AddWordingAsync(string purpose, CreateWordingRequest request, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(purpose, cancellationToken))
        {
            return OperationError.NotFound;
        }

        var language = request.Language?.Trim().ToLowerInvariant();
        if (language is null || !Languages.Contains(language))
        {
            return OperationError.Invalid("language", "The language is de or en.");
        }

        var text = request.Text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 4000)
        {
            return OperationError.Invalid("text", "The wording is 1 to 4,000 characters: the exact text a person agrees to.");
        }

        var version = 1 + (await db.ConsentWordings.Where(w => w.Purpose == purpose && w.Language == language).MaxAsync(w => (int?)w.Version, cancellationToken) ?? 0);
        var wording = new ConsentWording
        {
            WorkspaceId = workspace.RequiredWorkspaceId,
            Purpose = purpose,
            Language = language,
            Version = version,
            Text = text,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ConsentWordings.Add(wording);
        audit.Add("consent.wording_added", "consent_wording", wording.Id, $"purpose={purpose} language={language} version={version}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return new OperationError(ErrorKind.Conflict, "Someone saved a new version at the same moment; try again.", "text");
        }

        return new WordingView(wording.Id, purpose, language, version, text, wording.CreatedAt);
    }
}
