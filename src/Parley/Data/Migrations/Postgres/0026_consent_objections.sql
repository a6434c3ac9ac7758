-- Objections that outlive an erased contact: the number as a keyed hash, the purpose and when, so an old
-- list imported again cannot grant that number marketing consent; the key is per workspace, encrypted.
CREATE TABLE consent_objection_keys (
    workspace_id uuid NOT NULL,
    protected_key character varying(1000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_objection_keys PRIMARY KEY (workspace_id),
    CONSTRAINT fk_consent_objection_keys_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);

CREATE TABLE consent_objections (
    workspace_id uuid NOT NULL,
    identifier_hash character varying(64) NOT NULL,
    purpose character varying(64) NOT NULL,
    objected_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_objections PRIMARY KEY (workspace_id, identifier_hash, purpose),
    CONSTRAINT fk_consent_objections_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
