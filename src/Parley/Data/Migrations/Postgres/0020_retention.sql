-- Per-workspace retention rules (null keeps the data); the retention job writes its last run here.
CREATE TABLE retention_rules (
    workspace_id uuid NOT NULL,
    message_content_days integer NULL,
    media_days integer NULL,
    resolved_conversation_days integer NULL,
    audit_log_days integer NULL,
    consent_evidence_years integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    last_run_at timestamp with time zone NULL,
    last_run_report character varying(2000) NULL,
    CONSTRAINT pk_retention_rules PRIMARY KEY (workspace_id),
    CONSTRAINT fk_retention_rules_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
