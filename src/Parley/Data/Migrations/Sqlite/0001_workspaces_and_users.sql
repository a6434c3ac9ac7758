CREATE TABLE "workspaces" (
    "id" TEXT NOT NULL CONSTRAINT "pk_workspaces" PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL
);
CREATE UNIQUE INDEX "ix_workspaces_slug" ON "workspaces" ("slug");

CREATE TABLE "users" (
    "id" TEXT NOT NULL CONSTRAINT "pk_users" PRIMARY KEY,
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "security_stamp" TEXT NOT NULL,
    "failed_sign_in_count" INTEGER NOT NULL,
    "lockout_ends_at" TEXT NULL,
    "created_at" TEXT NOT NULL
);
CREATE UNIQUE INDEX "ix_users_email" ON "users" ("email");

CREATE TABLE "memberships" (
    "workspace_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "pk_memberships" PRIMARY KEY ("workspace_id", "user_id"),
    CONSTRAINT "fk_memberships_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_memberships_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_memberships_user_id" ON "memberships" ("user_id");
