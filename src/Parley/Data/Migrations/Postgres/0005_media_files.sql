CREATE TABLE media_files (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    message_id uuid NOT NULL,
    whatsapp_number_id uuid NOT NULL,
    provider_media_id character varying(128) NOT NULL,
    mime_type character varying(128) NULL,
    sha256 character varying(128) NULL,
    file_name character varying(255) NULL,
    size bigint NULL,
    state character varying(16) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    last_error character varying(1000) NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_media_files PRIMARY KEY (id),
    CONSTRAINT fk_media_files_message_id FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_media_files_message_id ON media_files (message_id);
CREATE INDEX ix_media_files_state_next_attempt_at ON media_files (state, next_attempt_at);
