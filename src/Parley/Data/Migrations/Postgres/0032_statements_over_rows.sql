-- A batch of status webhooks moves many messages at once; PostgreSQL now writes it as one statement, and
-- the change feed follows statements instead of rows.

-- The change feed's rows for updated messages are written once per statement, for the rows whose status,
-- content or error changed (a wamid stored, or a time or price of a status already shown, is no change
-- for the inbox). Each call is planned afresh: the transition tables hold one row or a thousand.
CREATE FUNCTION inbox_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'INSERT INTO inbox_changes (workspace_id, conversation_id, message_id, tx) '
        'SELECT n.workspace_id, n.conversation_id, n.id, pg_current_xact_id()::text::bigint '
        'FROM updated n JOIN previous o ON o.id = n.id '
        'WHERE n.status IS DISTINCT FROM o.status OR n.content IS DISTINCT FROM o.content OR n.error_title IS DISTINCT FROM o.error_title';
    RETURN NULL;
END
$$;

DROP TRIGGER tr_messages_updated ON messages;
CREATE TRIGGER tr_messages_updated AFTER UPDATE ON messages REFERENCING OLD TABLE AS previous NEW TABLE AS updated
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_rows_updated();

-- The rows of a batch written by key (a status batch's messages by wamid, a campaign round's recipients by
-- id), from one array per column. Declared as one row, so the planner looks each row's key up in its
-- unique index, whatever the table's statistics say (with statistics from when the table was empty, a join
-- with the arrays themselves read the table once per row).
CREATE FUNCTION message_progress_rows(wamids text[], sent timestamptz[], delivered timestamptz[], seen timestamptz[], statuses text[], ranks integer[], categories text[], types text[])
    RETURNS TABLE (wamid text, sent_at timestamptz, delivered_at timestamptz, read_at timestamptz, status text, rank integer, pricing_category text, pricing_type text)
    LANGUAGE sql ROWS 1 AS $$ SELECT * FROM unnest(wamids, sent, delivered, seen, statuses, ranks, categories, types) $$;

CREATE FUNCTION recipient_queued_rows(ids uuid[], message_ids uuid[])
    RETURNS TABLE (id uuid, message_id uuid)
    LANGUAGE sql ROWS 1 AS $$ SELECT * FROM unnest(ids, message_ids) $$;
