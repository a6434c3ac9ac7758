-- Routing: teams that assign automatically, a number's default team and Parley-kept opening hours,
-- and each member's life as an agent (availability, capacity, last automatic assignment).
ALTER TABLE "teams" ADD COLUMN "auto_assign" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "whatsapp_numbers" ADD COLUMN "team_id" TEXT NULL
    CONSTRAINT "fk_whatsapp_numbers_team_id" REFERENCES "teams" ("id") ON DELETE SET NULL;
ALTER TABLE "whatsapp_numbers" ADD COLUMN "opening_hours" TEXT NULL;
CREATE INDEX "ix_whatsapp_numbers_team_id" ON "whatsapp_numbers" ("team_id");

CREATE TABLE "agents" (
    "workspace_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "availability" TEXT NOT NULL,
    "availability_changed_at" TEXT NOT NULL,
    "last_seen_at" TEXT NULL,
    "max_open_conversations" INTEGER NULL,
    "last_assigned_at" TEXT NULL,
    CONSTRAINT "pk_agents" PRIMARY KEY ("workspace_id", "user_id"),
    CONSTRAINT "fk_agents_workspace_id_user_id" FOREIGN KEY ("workspace_id", "user_id") REFERENCES "memberships" ("workspace_id", "user_id") ON DELETE CASCADE
);
