-- The workspace's WhatsApp message templates as Meta has them: synced from the Graph API and kept
-- current by the template webhooks (status, rejection reason, quality, category).
CREATE TABLE "whatsapp_templates" (
    "id" TEXT NOT NULL CONSTRAINT "pk_whatsapp_templates" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "waba_id" TEXT NOT NULL,
    "template_id" TEXT NULL,
    "name" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "category" TEXT NULL,
    "status" TEXT NOT NULL,
    "rejection_reason" TEXT NULL,
    "quality" TEXT NULL,
    "components" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_whatsapp_templates_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_whatsapp_templates_workspace_id_waba_id_name_language" ON "whatsapp_templates" ("workspace_id", "waba_id", "name", "language");
CREATE INDEX "ix_whatsapp_templates_template_id" ON "whatsapp_templates" ("template_id");
