-- The team inbox: unread counts, first-response clock and snooze on conversations; who wrote a message
-- and the composer's idempotency key; the workspace's inbox settings; the change feed live browsers
-- catch up from (written by triggers, so every writer feeds it).
ALTER TABLE "conversations" ADD COLUMN "unread_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "conversations" ADD COLUMN "awaiting_reply_since" TEXT NULL;
ALTER TABLE "conversations" ADD COLUMN "snoozed_until" TEXT NULL;
CREATE INDEX "ix_conversations_workspace_id_status_last_message_at" ON "conversations" ("workspace_id", "status", "last_message_at");
CREATE INDEX "ix_conversations_status_snoozed_until" ON "conversations" ("status", "snoozed_until");

ALTER TABLE "messages" ADD COLUMN "author_id" TEXT NULL
    CONSTRAINT "fk_messages_author_id" REFERENCES "users" ("id") ON DELETE SET NULL;
ALTER TABLE "messages" ADD COLUMN "client_key" TEXT NULL;
CREATE INDEX "ix_messages_author_id" ON "messages" ("author_id");
CREATE UNIQUE INDEX "ix_messages_conversation_id_client_key" ON "messages" ("conversation_id", "client_key") WHERE client_key IS NOT NULL;

CREATE TABLE "inbox_settings" (
    "workspace_id" TEXT NOT NULL CONSTRAINT "pk_inbox_settings" PRIMARY KEY,
    "first_response_minutes" INTEGER NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_inbox_settings_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);

CREATE TABLE "inbox_changes" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_inbox_changes" PRIMARY KEY AUTOINCREMENT,
    "workspace_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "message_id" TEXT NULL,
    "tx" INTEGER NOT NULL
);
CREATE INDEX "ix_inbox_changes_workspace_id_tx" ON "inbox_changes" ("workspace_id", "tx");

-- SQLite has one writer, so ids commit in order and the id is the cursor (tx stays 0).
CREATE TRIGGER "tr_messages_inserted" AFTER INSERT ON "messages" BEGIN
    INSERT INTO "inbox_changes" ("workspace_id", "conversation_id", "message_id", "tx") VALUES (NEW."workspace_id", NEW."conversation_id", NEW."id", 0);
END;
CREATE TRIGGER "tr_messages_updated" AFTER UPDATE OF "status", "content", "error_title" ON "messages" BEGIN
    INSERT INTO "inbox_changes" ("workspace_id", "conversation_id", "message_id", "tx") VALUES (NEW."workspace_id", NEW."conversation_id", NEW."id", 0);
END;
CREATE TRIGGER "tr_conversations_inserted" AFTER INSERT ON "conversations" BEGIN
    INSERT INTO "inbox_changes" ("workspace_id", "conversation_id", "message_id", "tx") VALUES (NEW."workspace_id", NEW."id", NULL, 0);
END;
CREATE TRIGGER "tr_conversations_updated" AFTER UPDATE ON "conversations" BEGIN
    INSERT INTO "inbox_changes" ("workspace_id", "conversation_id", "message_id", "tx") VALUES (NEW."workspace_id", NEW."id", NULL, 0);
END;

-- In-app notifications: a colleague was @mentioned in a private note.
CREATE TABLE "notifications" (
    "id" TEXT NOT NULL CONSTRAINT "pk_notifications" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "read_at" TEXT NULL,
    CONSTRAINT "fk_notifications_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_notifications_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_notifications_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_notifications_message_id" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_notifications_workspace_id_user_id_read_at" ON "notifications" ("workspace_id", "user_id", "read_at");
CREATE INDEX "ix_notifications_user_id" ON "notifications" ("user_id");
CREATE INDEX "ix_notifications_conversation_id" ON "notifications" ("conversation_id");
CREATE INDEX "ix_notifications_message_id" ON "notifications" ("message_id");

-- Canned replies: a workspace's prepared answers, inserted in the composer by "/shortcut".
CREATE TABLE "canned_replies" (
    "id" TEXT NOT NULL CONSTRAINT "pk_canned_replies" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "shortcut" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_canned_replies_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_canned_replies_workspace_id_shortcut" ON "canned_replies" ("workspace_id", "shortcut");
