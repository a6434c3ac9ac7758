-- Search indexes for the inbox: trigram full-text tables (FTS5) over the text of text messages and notes
-- and over contact names, so "contains" searches use an index instead of reading every message. They
-- are contentless (they keep only the index, not a second copy of the text) and keyed by the row's
-- rowid; triggers keep them current. secure-delete makes a deleted row's text leave the index at once
-- (erasure). Terms shorter than three characters fall back to scanning (InboxSearch).
CREATE VIRTUAL TABLE "message_search" USING fts5(body, content='', contentless_delete=1, tokenize='trigram');
INSERT INTO "message_search" ("message_search", rank) VALUES ('secure-delete', 1);
INSERT INTO "message_search" (rowid, body)
    SELECT rowid, json_extract(content, '$.body') FROM "messages" WHERE type IN ('text', 'note') AND json_valid(content);

CREATE TRIGGER "tr_messages_search_inserted" AFTER INSERT ON "messages" WHEN new.type IN ('text', 'note') BEGIN
    INSERT INTO "message_search" (rowid, body) VALUES (new.rowid, CASE WHEN json_valid(new.content) THEN json_extract(new.content, '$.body') END);
END;
CREATE TRIGGER "tr_messages_search_updated" AFTER UPDATE OF content, type ON "messages" WHEN old.type IN ('text', 'note') OR new.type IN ('text', 'note') BEGIN
    DELETE FROM "message_search" WHERE rowid = old.rowid;
    INSERT INTO "message_search" (rowid, body)
        SELECT new.rowid, CASE WHEN json_valid(new.content) THEN json_extract(new.content, '$.body') END WHERE new.type IN ('text', 'note');
END;
CREATE TRIGGER "tr_messages_search_deleted" AFTER DELETE ON "messages" WHEN old.type IN ('text', 'note') BEGIN
    DELETE FROM "message_search" WHERE rowid = old.rowid;
END;

CREATE VIRTUAL TABLE "contact_search" USING fts5(name, content='', contentless_delete=1, tokenize='trigram');
INSERT INTO "contact_search" ("contact_search", rank) VALUES ('secure-delete', 1);
INSERT INTO "contact_search" (rowid, name)
    SELECT rowid, trim(coalesce(display_name, '') || ' ' || coalesce(profile_name, '')) FROM "contacts";

CREATE TRIGGER "tr_contacts_search_inserted" AFTER INSERT ON "contacts" BEGIN
    INSERT INTO "contact_search" (rowid, name) VALUES (new.rowid, trim(coalesce(new.display_name, '') || ' ' || coalesce(new.profile_name, '')));
END;
CREATE TRIGGER "tr_contacts_search_updated" AFTER UPDATE OF display_name, profile_name ON "contacts" BEGIN
    DELETE FROM "contact_search" WHERE rowid = old.rowid;
    INSERT INTO "contact_search" (rowid, name) VALUES (new.rowid, trim(coalesce(new.display_name, '') || ' ' || coalesce(new.profile_name, '')));
END;
CREATE TRIGGER "tr_contacts_search_deleted" AFTER DELETE ON "contacts" BEGIN
    DELETE FROM "contact_search" WHERE rowid = old.rowid;
END;
