using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Inbox;

/// <summary>Which conversations a search term finds: by the contact's name or by the text of a message (case-insensitive).</summary>
public static class InboxSearch
{
    public static IQueryable<Guid> Matching(ParleyDb db, bool postgres, string term)
    {
        var pattern = $"%{term.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_")}%";
        var byName = postgres
            ? db.Contacts.Where(k => EF.Functions.ILike(k.ProfileName!, pattern, "\\"))
            : db.Contacts.Where(k => EF.Functions.Like(k.ProfileName, pattern, "\\"));
        var byText = postgres
            ? db.Messages.Where(m => (m.Type == "text" || m.Type == "note") && EF.Functions.ILike(m.Content, pattern, "\\"))
            : db.Messages.Where(m => (m.Type == "text" || m.Type == "note") && EF.Functions.Like(m.Content, pattern, "\\"));
        return db.Conversations.Where(c => byName.Any(k => k.Id == c.ContactId)).Select(c => c.Id).Union(byText.Select(m => m.ConversationId));
    }
}
