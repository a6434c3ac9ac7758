-- The workspace's WhatsApp message templates as Meta has them: synced from the Graph API and kept
-- current by the template webhooks (status, rejection reason, quality, category).
CREATE TABLE whatsapp_templates (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    waba_id character varying(32) NOT NULL,
    template_id character varying(32) NULL,
    name character varying(512) NOT NULL,
    language character varying(16) NOT NULL,
    category character varying(32) NULL,
    status character varying(32) NOT NULL,
    rejection_reason character varying(1000) NULL,
    quality character varying(16) NULL,
    components text NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_whatsapp_templates PRIMARY KEY (id),
    CONSTRAINT fk_whatsapp_templates_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_whatsapp_templates_workspace_id_waba_id_name_language ON whatsapp_templates (workspace_id, waba_id, name, language);
CREATE INDEX ix_whatsapp_templates_template_id ON whatsapp_templates (template_id);
