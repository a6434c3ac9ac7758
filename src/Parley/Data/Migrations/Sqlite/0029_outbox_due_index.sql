-- The dispatcher reads one number's next pending sends in queue order (created_at, then message id,
-- the order it sends in) straight from the index, and the sends waiting for a retry by their due time,
-- so neither walks the number's whole backlog; which numbers have due work is one probe per number.
DROP INDEX "ix_outbox_pending";
CREATE INDEX "ix_outbox_pending" ON "outbox" ("whatsapp_number_id", "created_at", "message_id") WHERE "state" = 'Pending';
CREATE INDEX "ix_outbox_pending_due" ON "outbox" ("whatsapp_number_id", "next_attempt_at") WHERE "state" = 'Pending';
