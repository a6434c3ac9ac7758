ALTER TABLE "users" ADD COLUMN "culture" TEXT NULL;

CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL CONSTRAINT "pk_api_keys" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "hint" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "created_by" TEXT NULL,
    "last_used_at" TEXT NULL,
    "revoked_at" TEXT NULL,
    CONSTRAINT "fk_api_keys_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_api_keys_secret_hash" ON "api_keys" ("secret_hash");
CREATE INDEX "ix_api_keys_workspace_id" ON "api_keys" ("workspace_id");

CREATE TABLE "audit_entries" (
    "id" TEXT NOT NULL CONSTRAINT "pk_audit_entries" PRIMARY KEY,
    "workspace_id" TEXT NULL,
    "at" TEXT NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT NULL,
    "action" TEXT NOT NULL,
    "target_kind" TEXT NULL,
    "target_id" TEXT NULL,
    "ip_address" TEXT NULL,
    "details" TEXT NULL
);
CREATE INDEX "ix_audit_entries_workspace_id_at" ON "audit_entries" ("workspace_id", "at");
CREATE INDEX "ix_audit_entries_actor_id_at" ON "audit_entries" ("actor_id", "at");
