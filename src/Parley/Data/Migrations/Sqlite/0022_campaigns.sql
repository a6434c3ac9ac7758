-- Campaigns: a template sent to lists and segments from a pool of numbers, with one row per recipient
-- (written when planned, queued once together with its message and outbox row).
CREATE TABLE "campaigns" (
    "id" TEXT NOT NULL CONSTRAINT "pk_campaigns" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "template_name" TEXT NOT NULL,
    "template_language" TEXT NOT NULL,
    "template_category" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "variables" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "numbers" TEXT NOT NULL,
    "start_at" TEXT NULL,
    "window_start" INTEGER NULL,
    "window_end" INTEGER NULL,
    "time_zone" TEXT NOT NULL,
    "frequency_cap" INTEGER NULL,
    "frequency_days" INTEGER NULL,
    "state" TEXT NOT NULL,
    "state_reason" TEXT NULL,
    "estimate" TEXT NOT NULL,
    "recipients" INTEGER NOT NULL,
    "created_by" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "started_at" TEXT NULL,
    "finished_at" TEXT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_campaigns_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_campaigns_created_by" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX "ix_campaigns_workspace_id_created_at" ON "campaigns" ("workspace_id", "created_at");
CREATE INDEX "ix_campaigns_state" ON "campaigns" ("state");
CREATE INDEX "ix_campaigns_created_by" ON "campaigns" ("created_by");

CREATE TABLE "campaign_recipients" (
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
    CONSTRAINT "fk_campaign_recipients_whatsapp_number_id" FOREIGN KEY ("whatsapp_number_id") REFERENCES "whatsapp_numbers" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_campaign_recipients_message_id" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON DELETE SET NULL
);
CREATE UNIQUE INDEX "ix_campaign_recipients_campaign_id_contact_id" ON "campaign_recipients" ("campaign_id", "contact_id");
CREATE INDEX "ix_campaign_recipients_campaign_id_state_whatsapp_number_id" ON "campaign_recipients" ("campaign_id", "state", "whatsapp_number_id");
CREATE INDEX "ix_campaign_recipients_contact_id_queued_at" ON "campaign_recipients" ("contact_id", "queued_at");
CREATE INDEX "ix_campaign_recipients_whatsapp_number_id_queued_at" ON "campaign_recipients" ("whatsapp_number_id", "queued_at");
CREATE INDEX "ix_campaign_recipients_message_id" ON "campaign_recipients" ("message_id");

ALTER TABLE "conversations" ADD COLUMN "campaign_id" TEXT NULL
    CONSTRAINT "fk_conversations_campaign_id" REFERENCES "campaigns" ("id") ON DELETE SET NULL;
CREATE INDEX "ix_conversations_campaign_id" ON "conversations" ("campaign_id");

ALTER TABLE "whatsapp_numbers" ADD COLUMN "messaging_limit" TEXT NULL;
ALTER TABLE "whatsapp_numbers" ADD COLUMN "messaging_limit_checked_at" TEXT NULL;
