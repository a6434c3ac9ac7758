-- Campaigns: a template sent to lists and segments from a pool of numbers, with one row per recipient
-- (written when planned, queued once together with its message and outbox row).
CREATE TABLE campaigns (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    template_name character varying(512) NOT NULL,
    template_language character varying(16) NOT NULL,
    template_category character varying(32) NOT NULL,
    purpose character varying(64) NOT NULL,
    variables character varying(8000) NOT NULL,
    audience character varying(8000) NOT NULL,
    numbers character varying(2000) NOT NULL,
    start_at timestamp with time zone NULL,
    window_start integer NULL,
    window_end integer NULL,
    time_zone character varying(64) NOT NULL,
    frequency_cap integer NULL,
    frequency_days integer NULL,
    state character varying(16) NOT NULL,
    state_reason character varying(500) NULL,
    estimate character varying(8000) NOT NULL,
    recipients integer NOT NULL,
    created_by uuid NULL,
    created_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone NULL,
    finished_at timestamp with time zone NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_campaigns PRIMARY KEY (id),
    CONSTRAINT fk_campaigns_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE,
    CONSTRAINT fk_campaigns_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX ix_campaigns_workspace_id_created_at ON campaigns (workspace_id, created_at);
CREATE INDEX ix_campaigns_state ON campaigns (state);
CREATE INDEX ix_campaigns_created_by ON campaigns (created_by);

CREATE TABLE campaign_recipients (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    whatsapp_number_id uuid NULL,
    state character varying(16) NOT NULL,
    reason character varying(200) NULL,
    variable_values character varying(8000) NULL,
    time_zone character varying(64) NOT NULL,
    country character varying(2) NULL,
    message_id uuid NULL,
    queued_at timestamp with time zone NULL,
    replied_at timestamp with time zone NULL,
    CONSTRAINT pk_campaign_recipients PRIMARY KEY (id),
    CONSTRAINT fk_campaign_recipients_campaign_id FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE CASCADE,
    CONSTRAINT fk_campaign_recipients_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
    CONSTRAINT fk_campaign_recipients_whatsapp_number_id FOREIGN KEY (whatsapp_number_id) REFERENCES whatsapp_numbers (id) ON DELETE RESTRICT,
    CONSTRAINT fk_campaign_recipients_message_id FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ix_campaign_recipients_campaign_id_contact_id ON campaign_recipients (campaign_id, contact_id);
CREATE INDEX ix_campaign_recipients_campaign_id_state_whatsapp_number_id ON campaign_recipients (campaign_id, state, whatsapp_number_id);
CREATE INDEX ix_campaign_recipients_contact_id_queued_at ON campaign_recipients (contact_id, queued_at);
CREATE INDEX ix_campaign_recipients_whatsapp_number_id_queued_at ON campaign_recipients (whatsapp_number_id, queued_at);
CREATE INDEX ix_campaign_recipients_message_id ON campaign_recipients (message_id);

ALTER TABLE conversations
    ADD COLUMN campaign_id uuid NULL,
    ADD CONSTRAINT fk_conversations_campaign_id FOREIGN KEY (campaign_id) REFERENCES campaigns (id) ON DELETE SET NULL;
CREATE INDEX ix_conversations_campaign_id ON conversations (campaign_id);

ALTER TABLE whatsapp_numbers
    ADD COLUMN messaging_limit character varying(32) NULL,
    ADD COLUMN messaging_limit_checked_at timestamp with time zone NULL;
