-- Teams, and who answers a conversation: an agent (assignee) and/or a team.
CREATE TABLE teams (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_teams PRIMARY KEY (id),
    CONSTRAINT fk_teams_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_teams_workspace_id_name ON teams (workspace_id, name);

CREATE TABLE team_members (
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_team_members PRIMARY KEY (team_id, user_id),
    CONSTRAINT fk_team_members_team_id FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE CASCADE,
    CONSTRAINT fk_team_members_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX ix_team_members_user_id ON team_members (user_id);

ALTER TABLE conversations
    ADD COLUMN assignee_id uuid NULL,
    ADD COLUMN team_id uuid NULL,
    ADD CONSTRAINT fk_conversations_assignee_id FOREIGN KEY (assignee_id) REFERENCES users (id) ON DELETE SET NULL,
    ADD CONSTRAINT fk_conversations_team_id FOREIGN KEY (team_id) REFERENCES teams (id) ON DELETE SET NULL;
CREATE INDEX ix_conversations_assignee_id ON conversations (assignee_id);
CREATE INDEX ix_conversations_team_id ON conversations (team_id);
