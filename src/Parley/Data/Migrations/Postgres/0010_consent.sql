-- Consent: the append-only ledger, its derived current state, purposes, wordings, objection keywords,
-- double opt-in requests of the public page; and every message gets a purpose and a possible refusal.
ALTER TABLE messages
    ADD COLUMN purpose character varying(64) NOT NULL DEFAULT 'service',
    ADD COLUMN refusal character varying(32) NULL;

CREATE TABLE consent_records (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    purpose character varying(64) NOT NULL,
    granted boolean NOT NULL,
    channel character varying(32) NOT NULL,
    source character varying(32) NOT NULL,
    wording_id uuid NULL,
    wording_version integer NULL,
    wording character varying(4000) NOT NULL,
    evidence character varying(1000) NULL,
    occurred_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    actor_kind character varying(16) NOT NULL,
    actor_id uuid NULL,
    ip_address character varying(64) NULL,
    CONSTRAINT pk_consent_records PRIMARY KEY (id),
    CONSTRAINT fk_consent_records_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
    CONSTRAINT fk_consent_records_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE INDEX ix_consent_records_contact_id_occurred_at ON consent_records (contact_id, occurred_at);
CREATE INDEX ix_consent_records_workspace_id_recorded_at ON consent_records (workspace_id, recorded_at);

CREATE TABLE consent_states (
    contact_id uuid NOT NULL,
    purpose character varying(64) NOT NULL,
    workspace_id uuid NOT NULL,
    granted boolean NOT NULL,
    record_id uuid NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_states PRIMARY KEY (contact_id, purpose),
    CONSTRAINT fk_consent_states_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);

CREATE TABLE consent_purposes (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    key character varying(64) NOT NULL,
    name character varying(100) NOT NULL,
    description character varying(500) NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_purposes PRIMARY KEY (id),
    CONSTRAINT fk_consent_purposes_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_consent_purposes_workspace_id_key ON consent_purposes (workspace_id, key);

CREATE TABLE consent_wordings (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    purpose character varying(64) NOT NULL,
    language character varying(8) NOT NULL,
    version integer NOT NULL,
    text character varying(4000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_wordings PRIMARY KEY (id),
    CONSTRAINT fk_consent_wordings_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_consent_wordings_workspace_id_purpose_language_version ON consent_wordings (workspace_id, purpose, language, version);

CREATE TABLE consent_settings (
    workspace_id uuid NOT NULL,
    stop_keywords character varying(500) NOT NULL,
    start_keywords character varying(500) NOT NULL,
    stop_reply character varying(1000) NULL,
    start_reply character varying(1000) NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_consent_settings PRIMARY KEY (workspace_id),
    CONSTRAINT fk_consent_settings_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);

CREATE TABLE consent_requests (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    code character varying(16) NOT NULL,
    wa_id character varying(32) NOT NULL,
    name character varying(200) NOT NULL,
    language character varying(8) NOT NULL,
    purposes character varying(20000) NOT NULL,
    ip_address character varying(64) NULL,
    user_agent character varying(300) NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    confirmed_at timestamp with time zone NULL,
    confirming_message_id character varying(200) NULL,
    contact_id uuid NULL,
    CONSTRAINT pk_consent_requests PRIMARY KEY (id),
    CONSTRAINT fk_consent_requests_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_consent_requests_code ON consent_requests (code);
CREATE INDEX ix_consent_requests_workspace_id_wa_id_created_at ON consent_requests (workspace_id, wa_id, created_at);
