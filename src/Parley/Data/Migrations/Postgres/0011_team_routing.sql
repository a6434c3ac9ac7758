-- Routing: teams that assign automatically, a number's default team and Parley-kept opening hours,
-- and each member's life as an agent (availability, capacity, last automatic assignment).
ALTER TABLE teams ADD COLUMN auto_assign boolean NOT NULL DEFAULT false;

ALTER TABLE whatsapp_numbers
    ADD COLUMN team_id uuid NULL,
    ADD COLUMN opening_hours character varying(2000) NULL,
    ADD CONSTRAINT fk_whatsapp_numbers_team_id FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE SET NULL;
CREATE INDEX ix_whatsapp_numbers_team_id ON whatsapp_numbers (team_id);

CREATE TABLE agents (
    workspace_id uuid NOT NULL,
    user_id uuid NOT NULL,
    availability character varying(16) NOT NULL,
    availability_changed_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NULL,
    max_open_conversations integer NULL,
    last_assigned_at timestamp with time zone NULL,
    CONSTRAINT pk_agents PRIMARY KEY (workspace_id, user_id),
    CONSTRAINT fk_agents_workspace_id_user_id FOREIGN KEY (workspace_id, user_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
