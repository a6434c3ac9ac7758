-- The change feed's rows for updated messages are written for the rows whose status, content or error
-- changed, as on PostgreSQL (see its 0032): a wamid stored, or a time or price of a status already shown,
-- is no change for the inbox. SQLite updates a batch's rows one statement each, in process, so its
-- statements stay as they are.
DROP TRIGGER "tr_messages_updated";
CREATE TRIGGER "tr_messages_updated" AFTER UPDATE OF "status", "content", "error_title" ON "messages"
WHEN OLD."status" IS NOT NEW."status" OR OLD."content" IS NOT NEW."content" OR OLD."error_title" IS NOT NEW."error_title" BEGIN
    INSERT INTO "inbox_changes" ("workspace_id", "conversation_id", "message_id", "tx") VALUES (NEW."workspace_id", NEW."conversation_id", NEW."id", 0);
END;
