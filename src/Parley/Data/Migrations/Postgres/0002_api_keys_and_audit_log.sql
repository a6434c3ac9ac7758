ALTER TABLE users ADD COLUMN culture character varying(8) NULL;

CREATE TABLE api_keys (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    role character varying(16) NOT NULL,
    hint character varying(16) NOT NULL,
    secret_hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by uuid NULL,
    last_used_at timestamp with time zone NULL,
    revoked_at timestamp with time zone NULL,
    CONSTRAINT pk_api_keys PRIMARY KEY (id),
    CONSTRAINT fk_api_keys_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_api_keys_secret_hash ON api_keys (secret_hash);
CREATE INDEX ix_api_keys_workspace_id ON api_keys (workspace_id);

CREATE TABLE audit_entries (
    id uuid NOT NULL,
    workspace_id uuid NULL,
    at timestamp with time zone NOT NULL,
    actor_kind character varying(16) NOT NULL,
    actor_id uuid NULL,
    action character varying(64) NOT NULL,
    target_kind character varying(32) NULL,
    target_id uuid NULL,
    ip_address character varying(64) NULL,
    details character varying(1000) NULL,
    CONSTRAINT pk_audit_entries PRIMARY KEY (id)
);
CREATE INDEX ix_audit_entries_workspace_id_at ON audit_entries (workspace_id, at);
CREATE INDEX ix_audit_entries_actor_id_at ON audit_entries (actor_id, at);
