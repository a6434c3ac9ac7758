-- campaign_recipients again, with the indexes a running campaign needs and nothing more. SQLite can drop
-- a constraint only by rebuilding the table, so the table is made anew and its rows copied.
--
-- A recipient has a message and a queued time only once it is handed to the outbox; while a campaign is
-- planned (every recipient row written at once) both are empty. Indexing only the filled ones keeps the
-- look-ups by message and the tier budget's count of recent sends, and makes planning cheaper.
-- A campaign round takes a number's next waiting recipients in planning order: with the id in the index,
-- that reads just those rows instead of sorting all waiting ones.
-- The sender's number is checked by the planner (one of the workspace's numbers), and numbers are never
-- deleted (a removed number is kept with removed_at): its foreign key only cost a look-up per recipient.
CREATE TABLE "campaign_recipients_new" (
    "id" TEXT NOT NULL CONSTRAINT "pk_campaign_recipients" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "whatsapp_number_id" TEXT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT NULL,
    "variable_values" TEXT NULL,
    "time_zone" TEXT NOT NULL,
    "country" TEXT NULL,
    "message_id" TEXT NULL,
    "queued_at" TEXT NULL,
    "replied_at" TEXT NULL,
    CONSTRAINT "fk_campaign_recipients_campaign_id" FOREIGN KEY ("campaign_id") REFERENCES "campaigns" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_campaign_recipients_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_campaign_recipients_message_id" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON DELETE SET NULL
);
INSERT INTO "campaign_recipients_new" SELECT "id", "workspace_id", "campaign_id", "contact_id", "whatsapp_number_id", "state", "reason",
    "variable_values", "time_zone", "country", "message_id", "queued_at", "replied_at" FROM "campaign_recipients";
DROP TABLE "campaign_recipients";
ALTER TABLE "campaign_recipients_new" RENAME TO "campaign_recipients";
CREATE UNIQUE INDEX "ix_campaign_recipients_campaign_id_contact_id" ON "campaign_recipients" ("campaign_id", "contact_id");
CREATE INDEX "ix_campaign_recipients_campaign_id_state_whatsapp_number_id_id" ON "campaign_recipients" ("campaign_id", "state", "whatsapp_number_id", "id");
CREATE INDEX "ix_campaign_recipients_contact_id_queued_at" ON "campaign_recipients" ("contact_id", "queued_at");
CREATE INDEX "ix_campaign_recipients_whatsapp_number_id_queued_at" ON "campaign_recipients" ("whatsapp_number_id", "queued_at") WHERE "queued_at" IS NOT NULL;
CREATE INDEX "ix_campaign_recipients_message_id" ON "campaign_recipients" ("message_id") WHERE "message_id" IS NOT NULL;
