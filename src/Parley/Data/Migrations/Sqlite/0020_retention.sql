-- Per-workspace retention rules (null keeps the data); the retention job writes its last run here.
CREATE TABLE "retention_rules" (
    "workspace_id" TEXT NOT NULL CONSTRAINT "pk_retention_rules" PRIMARY KEY,
    "message_content_days" INTEGER NULL,
    "media_days" INTEGER NULL,
    "resolved_conversation_days" INTEGER NULL,
    "audit_log_days" INTEGER NULL,
    "consent_evidence_years" INTEGER NOT NULL,
    "updated_at" TEXT NOT NULL,
    "last_run_at" TEXT NULL,
    "last_run_report" TEXT NULL,
    CONSTRAINT "fk_retention_rules_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
