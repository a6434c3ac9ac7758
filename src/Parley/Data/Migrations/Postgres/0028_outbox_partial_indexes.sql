-- The dispatcher looks for one number's pending sends in queue order, and the reconciler for sends in
-- flight since before a time. Two partial indexes hold just those rows; a send that is done or failed
-- leaves them, instead of adding an entry to an index over every send ever made at each change of state.
DROP INDEX ix_outbox_state_next_attempt_at;
CREATE INDEX ix_outbox_pending ON outbox (whatsapp_number_id, created_at) WHERE state = 'Pending';
CREATE INDEX ix_outbox_in_flight ON outbox (started_at) WHERE state = 'InFlight';
