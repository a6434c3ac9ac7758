-- Search indexes for the inbox: trigram GIN indexes (pg_trgm, a trusted extension a database owner may
-- create) over the text of text messages and notes and over contact names, so ILIKE '%term%' uses an
-- index instead of reading every message. Terms shorter than three characters cannot use them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ix_search_messages_body ON messages USING gin (((content::jsonb) ->> 'body') gin_trgm_ops) WHERE type IN ('text', 'note');
CREATE INDEX ix_search_contacts_name ON contacts USING gin ((coalesce(display_name, '') || ' ' || coalesce(profile_name, '')) gin_trgm_ops);
