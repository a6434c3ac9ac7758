-- Uploaded files have no message, number or WhatsApp id: those columns of media_files become nullable.
-- SQLite cannot drop NOT NULL in place, so the table is rebuilt (nothing references it yet).
CREATE TABLE "media_files_0006" (
    "id" TEXT NOT NULL CONSTRAINT "pk_media_files" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "message_id" TEXT NULL,
    "whatsapp_number_id" TEXT NULL,
    "provider_media_id" TEXT NULL,
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
INSERT INTO "media_files_0006" ("id", "workspace_id", "message_id", "whatsapp_number_id", "provider_media_id", "mime_type", "sha256",
    "file_name", "size", "state", "attempts", "next_attempt_at", "last_error", "created_at")
SELECT "id", "workspace_id", "message_id", "whatsapp_number_id", "provider_media_id", "mime_type", "sha256",
    "file_name", "size", "state", "attempts", "next_attempt_at", "last_error", "created_at"
FROM "media_files";
DROP TABLE "media_files";
ALTER TABLE "media_files_0006" RENAME TO "media_files";
CREATE UNIQUE INDEX "ix_media_files_message_id" ON "media_files" ("message_id");
CREATE INDEX "ix_media_files_state_next_attempt_at" ON "media_files" ("state", "next_attempt_at");

CREATE TABLE "media_uploads" (
    "media_file_id" TEXT NOT NULL,
    "whatsapp_number_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "provider_media_id" TEXT NOT NULL,
    "uploaded_at" TEXT NOT NULL,
    "expires_at" TEXT NOT NULL,
    CONSTRAINT "pk_media_uploads" PRIMARY KEY ("media_file_id", "whatsapp_number_id"),
    CONSTRAINT "fk_media_uploads_media_file_id" FOREIGN KEY ("media_file_id") REFERENCES "media_files" ("id") ON DELETE CASCADE
);
