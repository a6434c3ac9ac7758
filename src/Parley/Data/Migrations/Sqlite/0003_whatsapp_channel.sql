CREATE TABLE "whatsapp_numbers" (
    "id" TEXT NOT NULL CONSTRAINT "pk_whatsapp_numbers" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "phone_number_id" TEXT NOT NULL,
    "waba_id" TEXT NOT NULL,
    "display_phone_number" TEXT NOT NULL,
    "access_token_protected" TEXT NOT NULL,
    "throughput" INTEGER NOT NULL,
    "created_at" TEXT NOT NULL,
    "removed_at" TEXT NULL,
    CONSTRAINT "fk_whatsapp_numbers_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_whatsapp_numbers_phone_number_id" ON "whatsapp_numbers" ("phone_number_id") WHERE removed_at IS NULL;
CREATE INDEX "ix_whatsapp_numbers_workspace_id" ON "whatsapp_numbers" ("workspace_id");

CREATE TABLE "webhook_deliveries" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_webhook_deliveries" PRIMARY KEY AUTOINCREMENT,
    "received_at" TEXT NOT NULL,
    "body" BLOB NOT NULL,
    "processed_at" TEXT NULL,
    "attempts" INTEGER NOT NULL,
    "last_error" TEXT NULL,
    "dead_at" TEXT NULL
);
CREATE INDEX "ix_webhook_deliveries_processed_at" ON "webhook_deliveries" ("processed_at");

CREATE TABLE "whatsapp_events" (
    "id" TEXT NOT NULL CONSTRAINT "pk_whatsapp_events" PRIMARY KEY,
    "workspace_id" TEXT NULL,
    "waba_id" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "received_at" TEXT NOT NULL
);
CREATE INDEX "ix_whatsapp_events_workspace_id_field_received_at" ON "whatsapp_events" ("workspace_id", "field", "received_at");

CREATE TABLE "pending_statuses" (
    "id" TEXT NOT NULL CONSTRAINT "pk_pending_statuses" PRIMARY KEY,
    "provider_message_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "received_at" TEXT NOT NULL
);
CREATE INDEX "ix_pending_statuses_provider_message_id" ON "pending_statuses" ("provider_message_id");

CREATE TABLE "contacts" (
    "id" TEXT NOT NULL CONSTRAINT "pk_contacts" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "wa_id" TEXT NULL,
    "user_id" TEXT NULL,
    "profile_name" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_contacts_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_contacts_workspace_id_wa_id" ON "contacts" ("workspace_id", "wa_id") WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX "ix_contacts_workspace_id_user_id" ON "contacts" ("workspace_id", "user_id") WHERE user_id IS NOT NULL;

CREATE TABLE "conversations" (
    "id" TEXT NOT NULL CONSTRAINT "pk_conversations" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "whatsapp_number_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "last_inbound_at" TEXT NULL,
    "last_message_at" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_conversations_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_conversations_whatsapp_number_id" FOREIGN KEY ("whatsapp_number_id") REFERENCES "whatsapp_numbers" ("id") ON DELETE RESTRICT,
    CONSTRAINT "fk_conversations_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_conversations_contact_id_whatsapp_number_id" ON "conversations" ("contact_id", "whatsapp_number_id");
CREATE INDEX "ix_conversations_whatsapp_number_id" ON "conversations" ("whatsapp_number_id");
CREATE INDEX "ix_conversations_workspace_id_updated_at" ON "conversations" ("workspace_id", "updated_at");

CREATE TABLE "messages" (
    "id" TEXT NOT NULL CONSTRAINT "pk_messages" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "provider_message_id" TEXT NULL,
    "type" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "context_message_id" TEXT NULL,
    "status" TEXT NOT NULL,
    "error_code" INTEGER NULL,
    "error_title" TEXT NULL,
    "error_details" TEXT NULL,
    "pricing_category" TEXT NULL,
    "pricing_type" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "sent_at" TEXT NULL,
    "delivered_at" TEXT NULL,
    "read_at" TEXT NULL,
    "failed_at" TEXT NULL,
    CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_messages_provider_message_id" ON "messages" ("provider_message_id") WHERE provider_message_id IS NOT NULL;
CREATE INDEX "ix_messages_conversation_id_created_at" ON "messages" ("conversation_id", "created_at");
