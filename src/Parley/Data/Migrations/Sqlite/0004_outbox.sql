CREATE TABLE "outbox" (
    "message_id" TEXT NOT NULL CONSTRAINT "pk_outbox" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "whatsapp_number_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" TEXT NOT NULL,
    "started_at" TEXT NULL,
    "last_error" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_outbox_message_id" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_outbox_state_next_attempt_at" ON "outbox" ("state", "next_attempt_at");
