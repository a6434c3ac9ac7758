-- The processor's queue is the deliveries not yet processed nor dead: a small index of just those, in
-- arrival order, instead of an index on processed_at that held every delivery ever received. Only dead
-- letters name a workspace, so only they are indexed by it. A delivery now costs one index entry when
-- it arrives and none when it is processed, besides its key.
DROP INDEX ix_webhook_deliveries_processed_at;
DROP INDEX ix_webhook_deliveries_workspace_id;
CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries (id) WHERE processed_at IS NULL AND dead_at IS NULL;
CREATE INDEX ix_webhook_deliveries_workspace_id ON webhook_deliveries (workspace_id) WHERE workspace_id IS NOT NULL;
