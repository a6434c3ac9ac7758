-- A dead letter belongs to the workspace whose number its body names, so that workspace's admins can replay it.
ALTER TABLE webhook_deliveries
    ADD COLUMN workspace_id uuid NULL,
    ADD CONSTRAINT fk_webhook_deliveries_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE SET NULL;
CREATE INDEX ix_webhook_deliveries_workspace_id ON webhook_deliveries (workspace_id);
