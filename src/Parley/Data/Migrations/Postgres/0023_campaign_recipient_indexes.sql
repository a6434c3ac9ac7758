-- A recipient has a message and a queued time only once it is handed to the outbox; while a campaign is
-- planned (every recipient row written at once) both are empty. Indexing only the filled ones keeps the
-- look-ups by message and the tier budget's count of recent sends, and makes planning cheaper.
DROP INDEX ix_campaign_recipients_message_id;
CREATE INDEX ix_campaign_recipients_message_id ON campaign_recipients (message_id) WHERE message_id IS NOT NULL;
DROP INDEX ix_campaign_recipients_whatsapp_number_id_queued_at;
CREATE INDEX ix_campaign_recipients_whatsapp_number_id_queued_at ON campaign_recipients (whatsapp_number_id, queued_at) WHERE queued_at IS NOT NULL;

-- The sender's number is checked by the planner (one of the workspace's numbers), and numbers are never
-- deleted (a removed number is kept with removed_at): the foreign key only cost a look-up per recipient
-- while planning.
ALTER TABLE campaign_recipients DROP CONSTRAINT fk_campaign_recipients_whatsapp_number_id;

-- A campaign round takes a number's next waiting recipients in planning order: with the id in the index,
-- that reads just those rows instead of sorting all waiting ones (a 100,000-recipient campaign slowed
-- down as it went).
DROP INDEX ix_campaign_recipients_campaign_id_state_whatsapp_number_id;
CREATE INDEX ix_campaign_recipients_campaign_id_state_whatsapp_number_id_id ON campaign_recipients (campaign_id, state, whatsapp_number_id, id);
