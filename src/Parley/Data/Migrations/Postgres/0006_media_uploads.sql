-- Uploaded files have no message, number or WhatsApp id.
ALTER TABLE media_files
    ALTER COLUMN message_id DROP NOT NULL,
    ALTER COLUMN whatsapp_number_id DROP NOT NULL,
    ALTER COLUMN provider_media_id DROP NOT NULL;

CREATE TABLE media_uploads (
    media_file_id uuid NOT NULL,
    whatsapp_number_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    provider_media_id character varying(128) NOT NULL,
    uploaded_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_media_uploads PRIMARY KEY (media_file_id, whatsapp_number_id),
    CONSTRAINT fk_media_uploads_media_file_id FOREIGN KEY (media_file_id) REFERENCES media_files (id) ON DELETE CASCADE
);
