-- PostgreSQL stores the searchable text of a message in a column of its own (see its 0024). SQLite's
-- search already reads its own FTS5 index (migration 0018): nothing changes here.
SELECT 1;
