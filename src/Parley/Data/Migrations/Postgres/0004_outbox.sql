CREATE TABLE outbox (
    message_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    whatsapp_number_id uuid NOT NULL,
    state character varying(16) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    started_at timestamp with time zone NULL,
    last_error character varying(1000) NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_outbox PRIMARY KEY (message_id),
    CONSTRAINT fk_outbox_message_id FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
);
CREATE INDEX ix_outbox_state_next_attempt_at ON outbox (state, next_attempt_at);
