-- Segments read the contacts a condition names from an index alone: the attribute value, label and
-- consent indexes now carry the workspace and the contact id, so counting "tier is Gold" or "has the
-- label VIP" over a million contacts never visits the table rows.
DROP INDEX "ix_contact_attribute_values_attribute_id_text_value";
DROP INDEX "ix_contact_attribute_values_attribute_id_number_value";
DROP INDEX "ix_contact_attribute_values_attribute_id_date_value";
DROP INDEX "ix_contact_attribute_values_attribute_id_bool_value";
CREATE INDEX "ix_contact_attribute_values_text" ON "contact_attribute_values" ("attribute_id", "text_value", "workspace_id", "contact_id");
CREATE INDEX "ix_contact_attribute_values_number" ON "contact_attribute_values" ("attribute_id", "number_value", "workspace_id", "contact_id");
CREATE INDEX "ix_contact_attribute_values_date" ON "contact_attribute_values" ("attribute_id", "date_value", "workspace_id", "contact_id");
CREATE INDEX "ix_contact_attribute_values_bool" ON "contact_attribute_values" ("attribute_id", "bool_value", "workspace_id", "contact_id");
DROP INDEX "ix_contact_labels_label_id";
CREATE INDEX "ix_contact_labels_label_id_workspace_id_contact_id" ON "contact_labels" ("label_id", "workspace_id", "contact_id");
CREATE INDEX "ix_consent_states_workspace_id_purpose_granted_contact_id" ON "consent_states" ("workspace_id", "purpose", "granted", "contact_id");
