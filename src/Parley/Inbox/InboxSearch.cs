using Microsoft.EntityFrameworkCore;
using Parley.Data;

namespace Parley.Inbox;

/// <summary>
/// Which conversations a search term finds, case-insensitively: by the contact's name (display or
/// WhatsApp profile name), by the customer ID, or by the text of a text message or note. Terms of three
/// characters or more use the trigram indexes of migrations 0018 and 0024 (FTS5 on SQLite, pg_trgm on PostgreSQL);
/// shorter ones scan. The raw SQL names the workspace itself (query filters do not reach into it).
/// </summary>
public static class InboxSearch
{
    /// <summary>
    /// How many matching messages, newest first, a search looks at: a word in every tenth message would
    /// otherwise make each search read a large part of the history. Older matches of such a word are left
    /// out (the list still has up to this many conversations, twenty pages); a more specific term finds them.
    /// </summary>
    public const int MaxMessageMatches = 1000;

    public static IQueryable<Guid> Matching(ParleyDb db, bool postgres, string term)
    {
        var workspaceId = db.CurrentWorkspaceId ?? Guid.Empty;
        var customerId = term.Trim().ToUpperInvariant();
        var byCustomerId = db.Contacts.Where(k => k.CustomerId == customerId).Select(k => k.Id);
        IQueryable<Guid> byName, byText;
        if (term.Length < 3)
        {
            var pattern = $"%{term.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_")}%";
            byName = (postgres
                ? db.Contacts.Where(k => EF.Functions.ILike(k.DisplayName ?? "", pattern, "\\") || EF.Functions.ILike(k.ProfileName ?? "", pattern, "\\"))
                : db.Contacts.Where(k => EF.Functions.Like(k.DisplayName, pattern, "\\") || EF.Functions.Like(k.ProfileName, pattern, "\\"))).Select(k => k.Id);
            byText = (postgres
                ? db.Messages.Where(m => (m.Type == "text" || m.Type == "note") && EF.Functions.ILike(m.Content, pattern, "\\"))
                : db.Messages.Where(m => (m.Type == "text" || m.Type == "note") && EF.Functions.Like(m.Content, pattern, "\\"))).Select(m => m.ConversationId);
        }
        else if (postgres)
        {
            var pattern = $"%{term.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_")}%";
            byName = db.Database.SqlQuery<Guid>($"""
                SELECT id AS "Value" FROM contacts
                WHERE workspace_id = {workspaceId} AND (coalesce(display_name, '') || ' ' || coalesce(profile_name, '')) ILIKE {pattern}
                """);
            // search_text (migration 0024) is the stored text of text messages and notes, under the trigram index.
            // The workspace's newest MaxMessageMatches matches are taken, as on SQLite: ids are time-ordered
            // (version 7), so for a common word PostgreSQL walks the primary key backwards and stops early,
            // and for a rare one it asks the trigram index.
            byText = db.Database.SqlQuery<Guid>($"""
                SELECT conversation_id AS "Value" FROM messages
                WHERE workspace_id = {workspaceId} AND search_text ILIKE {pattern}
                ORDER BY id DESC LIMIT {MaxMessageMatches}
                """);
        }
        else
        {
            // An FTS5 string in double quotes matches itself anywhere (trigram tokenizer), quotes doubled.
            var phrase = $"\"{term.Replace("\"", "\"\"")}\"";
            byName = db.Database.SqlQuery<Guid>($"""
                SELECT k.id AS "Value" FROM contact_search s JOIN contacts k ON k.rowid = s.rowid
                WHERE contact_search MATCH {phrase} AND k.workspace_id = {workspaceId}
                """);
            // Rowids grow with time, so the index hands out the newest matches first; the workspace's first
            // MaxMessageMatches are taken (the join checks each match's workspace on the way).
            byText = db.Database.SqlQuery<Guid>($"""
                SELECT m.conversation_id AS "Value" FROM message_search s JOIN messages m ON m.rowid = s.rowid
                WHERE message_search MATCH {phrase} AND m.workspace_id = {workspaceId}
                ORDER BY s.rowid DESC LIMIT {MaxMessageMatches}
                """);
        }

        // A union of three index-driven sets: an OR of the two contact sets would read every conversation.
        return db.Conversations.Where(c => byName.Contains(c.ContactId)).Select(c => c.Id)
            .Union(db.Conversations.Where(c => byCustomerId.Contains(c.ContactId)).Select(c => c.Id))
            .Union(byText);
    }
}
