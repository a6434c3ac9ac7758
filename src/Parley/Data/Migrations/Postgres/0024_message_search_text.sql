-- The text a search looks in, stored with the message (text messages and notes only): the trigram index
-- is built on it, and re-checking a match reads the column instead of parsing the message's JSON — which
-- cost most of the time when a common word matched tens of thousands of messages.
ALTER TABLE messages ADD COLUMN search_text text GENERATED ALWAYS AS (
    CASE WHEN type IN ('text', 'note') THEN (content::jsonb) ->> 'body' END) STORED;
DROP INDEX ix_search_messages_body;
CREATE INDEX ix_search_messages_body ON messages USING gin (search_text gin_trgm_ops) WHERE search_text IS NOT NULL;
