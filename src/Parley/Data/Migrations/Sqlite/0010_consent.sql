-- Consent: the append-only ledger, its derived current state, purposes, wordings, objection keywords,
-- double opt-in requests of the public page; and every message gets a purpose and a possible refusal.
ALTER TABLE "messages" ADD COLUMN "purpose" TEXT NOT NULL DEFAULT 'service';
ALTER TABLE "messages" ADD COLUMN "refusal" TEXT NULL;

CREATE TABLE "consent_records" (
    "id" TEXT NOT NULL CONSTRAINT "pk_consent_records" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "granted" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "wording_id" TEXT NULL,
    "wording_version" INTEGER NULL,
    "wording" TEXT NOT NULL,
    "evidence" TEXT NULL,
    "occurred_at" TEXT NOT NULL,
    "recorded_at" TEXT NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT NULL,
    "ip_address" TEXT NULL,
    CONSTRAINT "fk_consent_records_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_consent_records_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_consent_records_contact_id_occurred_at" ON "consent_records" ("contact_id", "occurred_at");
CREATE INDEX "ix_consent_records_workspace_id_recorded_at" ON "consent_records" ("workspace_id", "recorded_at");

CREATE TABLE "consent_states" (
    "contact_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "granted" INTEGER NOT NULL,
    "record_id" TEXT NOT NULL,
    "occurred_at" TEXT NOT NULL,
    CONSTRAINT "pk_consent_states" PRIMARY KEY ("contact_id", "purpose"),
    CONSTRAINT "fk_consent_states_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE
);

CREATE TABLE "consent_purposes" (
    "id" TEXT NOT NULL CONSTRAINT "pk_consent_purposes" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_consent_purposes_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_consent_purposes_workspace_id_key" ON "consent_purposes" ("workspace_id", "key");

CREATE TABLE "consent_wordings" (
    "id" TEXT NOT NULL CONSTRAINT "pk_consent_wordings" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_consent_wordings_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_consent_wordings_workspace_id_purpose_language_version" ON "consent_wordings" ("workspace_id", "purpose", "language", "version");

CREATE TABLE "consent_settings" (
    "workspace_id" TEXT NOT NULL CONSTRAINT "pk_consent_settings" PRIMARY KEY,
    "stop_keywords" TEXT NOT NULL,
    "start_keywords" TEXT NOT NULL,
    "stop_reply" TEXT NULL,
    "start_reply" TEXT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_consent_settings_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);

CREATE TABLE "consent_requests" (
    "id" TEXT NOT NULL CONSTRAINT "pk_consent_requests" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "wa_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "purposes" TEXT NOT NULL,
    "ip_address" TEXT NULL,
    "user_agent" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "expires_at" TEXT NOT NULL,
    "confirmed_at" TEXT NULL,
    "confirming_message_id" TEXT NULL,
    "contact_id" TEXT NULL,
    CONSTRAINT "fk_consent_requests_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_consent_requests_code" ON "consent_requests" ("code");
CREATE INDEX "ix_consent_requests_workspace_id_wa_id_created_at" ON "consent_requests" ("workspace_id", "wa_id", "created_at");
