CREATE TABLE "media_files" (
    "id" TEXT NOT NULL CONSTRAINT "pk_media_files" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "whatsapp_number_id" TEXT NOT NULL,
    "provider_media_id" TEXT NOT NULL,
    "mime_type" TEXT NULL,
    "sha256" TEXT NULL,
    "file_name" TEXT NULL,
    "size" INTEGER NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "next_attempt_at" TEXT NOT NULL,
    "last_error" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_media_files_message_id" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_media_files_message_id" ON "media_files" ("message_id");
CREATE INDEX "ix_media_files_state_next_attempt_at" ON "media_files" ("state", "next_attempt_at");
