-- Objections that outlive an erased contact: the number as a keyed hash, the purpose and when, so an old
-- list imported again cannot grant that number marketing consent; the key is per workspace, encrypted.
CREATE TABLE "consent_objection_keys" (
    "workspace_id" TEXT NOT NULL CONSTRAINT "pk_consent_objection_keys" PRIMARY KEY,
    "protected_key" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_consent_objection_keys_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);

CREATE TABLE "consent_objections" (
    "workspace_id" TEXT NOT NULL,
    "identifier_hash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "objected_at" TEXT NOT NULL,
    CONSTRAINT "pk_consent_objections" PRIMARY KEY ("workspace_id", "identifier_hash", "purpose"),
    CONSTRAINT "fk_consent_objections_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
