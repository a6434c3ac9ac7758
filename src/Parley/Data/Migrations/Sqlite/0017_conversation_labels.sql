-- Labels on conversations (the workspace's labels, as on contacts), and an index for the live pump's
-- question which workspaces changed after a transaction.
CREATE TABLE "conversation_labels" (
    "conversation_id" TEXT NOT NULL,
    "label_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    CONSTRAINT "pk_conversation_labels" PRIMARY KEY ("conversation_id", "label_id"),
    CONSTRAINT "fk_conversation_labels_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_conversation_labels_label_id" FOREIGN KEY ("label_id") REFERENCES "labels" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_conversation_labels_label_id" ON "conversation_labels" ("label_id");

CREATE INDEX "ix_inbox_changes_tx" ON "inbox_changes" ("tx");
