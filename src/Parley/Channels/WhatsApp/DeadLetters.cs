using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Identity;

namespace Parley.Channels.WhatsApp;

public sealed record DeadLetterView(long Id, DateTime ReceivedAt, DateTime DeadAt, int Attempts, string? Reason, int Bytes, string Preview);

/// <summary>
/// Webhook deliveries set aside because they could not be understood or kept failing. A dead letter whose
/// body names a connected number belongs to that number's workspace, whose admins list and replay it on
/// the WhatsApp page; one that names none (unreadable JSON) belongs to the installation and its operator
/// (command line). Passing no workspace means the installation: all of them.
/// </summary>
public sealed class DeadLetters(ParleyDb db, WebhookBell bell, WorkspaceContext workspace, AuditLog audit)
{
    public const int Limit = 500;

    public async Task<List<DeadLetterView>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await Mine().AsNoTracking().OrderBy(d => d.Id).Take(Limit).ToListAsync(cancellationToken);
        return [.. rows.Select(d => new DeadLetterView(d.Id, d.ReceivedAt, d.DeadAt!.Value, d.Attempts, d.LastError, d.Body.Length, Preview(d.Body)))];
    }

    /// <summary>Puts dead letters back in line (all when <paramref name="id"/> is null); returns how many.</summary>
    public async Task<int> ReplayAsync(long? id, CancellationToken cancellationToken)
    {
        var letters = await Mine().Where(d => id == null || d.Id == id).OrderBy(d => d.Id).Take(Limit).ToListAsync(cancellationToken);
        foreach (var letter in letters)
        {
            letter.DeadAt = null;
            letter.Attempts = 0;
        }

        if (letters.Count > 0 && workspace.WorkspaceId is not null)
        {
            audit.Add("webhook.dead_letters_replayed", details: string.Join(",", letters.Select(l => l.Id)));
        }

        await db.SaveChangesAsync(cancellationToken);
        bell.Ring();
        return letters.Count;
    }

    /// <summary>
    /// The workspace a dead letter belongs to: the one whose connected number the body names (read
    /// leniently, as the body failed the strict parse), if exactly one does.
    /// </summary>
    public static Guid? Owner(byte[] body, IReadOnlyDictionary<string, Guid> workspaceByPhoneNumberId)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(body);
            Collect(document.RootElement, named, depth: 0);
        }
        catch (JsonException)
        {
            return null;
        }

        var owners = named.Select(workspaceByPhoneNumberId.GetValueOrDefault).Where(w => w != Guid.Empty).Distinct().ToList();
        return owners.Count == 1 ? owners[0] : null;
    }

    private static void Collect(JsonElement element, HashSet<string> named, int depth)
    {
        if (depth > 16)
        {
            return;
        }

        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("phone_number_id") && property.Value.ValueKind == JsonValueKind.String)
                {
                    named.Add(property.Value.GetString()!);
                }
                else
                {
                    Collect(property.Value, named, depth + 1);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, named, depth + 1);
            }
        }
    }

    private IQueryable<WebhookDelivery> Mine()
    {
        var query = db.WebhookDeliveries.Where(d => d.DeadAt != null);
        return workspace.WorkspaceId is { } workspaceId ? query.Where(d => d.WorkspaceId == workspaceId) : query;
    }

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 120)).ReplaceLineEndings(" ");
        return body.Length > 120 ? text + "…" : text;
    }
}
