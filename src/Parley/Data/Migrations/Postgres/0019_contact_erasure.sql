-- Erasure keeps a contact's row as a tombstone without personal data (its conversations and content-free
-- messages stay for the statistics); erased_at marks it, and lists, search and imports leave it out.
ALTER TABLE contacts ADD COLUMN erased_at timestamp with time zone NULL;
