using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Parley.Data;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>
/// Pseudonymous customer IDs: <c>C-</c> and six characters of Crockford's base32 (no I, L, O, U, so
/// nothing reads as another character). Random, so they reveal neither the number nor the order of
/// creation; about a billion values per workspace, and collisions are checked before every insert.
/// </summary>
public static class CustomerIds
{
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New() => "C-" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 6));

    /// <summary>Reads a customer ID as a person may type it: any case, Crockford's look-alikes (O→0, I/L→1).</summary>
    public static string? Normalise(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var text = value.Trim().ToUpperInvariant();
        if (text.StartsWith("C-", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.Length != 6)
        {
            return null;
        }

        var chars = text.Select(c => c switch { 'O' => '0', 'I' or 'L' => '1', _ => c }).ToArray();
        return chars.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) ? "C-" + new string(chars) : null;
    }

    /// <summary>Gives new contacts whose random ID is already taken in their workspace (or twice among them) another one.</summary>
    public static async Task EnsureUniqueAsync(ParleyDb db, IReadOnlyCollection<Contact> created, CancellationToken cancellationToken)
    {
        for (var round = 0; created.Count > 0; round++)
        {
            var ids = created.Select(c => c.CustomerId).ToList();
            var taken = (await db.Contacts.AsNoTracking().Where(c => ids.Contains(c.CustomerId)).Select(c => c.CustomerId).ToListAsync(cancellationToken)).ToHashSet();
            var seen = new HashSet<string>();
            var again = new List<Contact>();
            foreach (var contact in created)
            {
                if (taken.Contains(contact.CustomerId) || !seen.Add(contact.CustomerId))
                {
                    contact.CustomerId = New();
                    again.Add(contact);
                }
            }

            if (round > 10)
            {
                throw new InvalidOperationException("Could not find free customer IDs; the workspace's ID space is nearly full.");
            }

            created = again;
        }
    }
}
