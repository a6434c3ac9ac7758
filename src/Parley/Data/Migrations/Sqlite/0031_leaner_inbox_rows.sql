-- Indexes of columns that most rows leave empty (who wrote an outbound message, a conversation's
-- assignee, team and campaign) hold only the rows that name someone: they serve the look-ups by that
-- someone and the foreign keys' ON DELETE, and a conversation or message that names nobody costs no
-- index entry. Snoozed conversations are found by their time among the snoozed ones only.
DROP INDEX "ix_messages_author_id";
CREATE INDEX "ix_messages_author_id" ON "messages" ("author_id") WHERE "author_id" IS NOT NULL;
DROP INDEX "ix_conversations_assignee_id";
CREATE INDEX "ix_conversations_assignee_id" ON "conversations" ("assignee_id") WHERE "assignee_id" IS NOT NULL;
DROP INDEX "ix_conversations_team_id";
CREATE INDEX "ix_conversations_team_id" ON "conversations" ("team_id") WHERE "team_id" IS NOT NULL;
DROP INDEX "ix_conversations_campaign_id";
CREATE INDEX "ix_conversations_campaign_id" ON "conversations" ("campaign_id") WHERE "campaign_id" IS NOT NULL;
DROP INDEX "ix_conversations_status_snoozed_until";
CREATE INDEX "ix_conversations_snoozed_until" ON "conversations" ("snoozed_until") WHERE "status" = 'Snoozed';
