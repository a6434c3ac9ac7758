-- Contacts get a pseudonymous customer ID, a phone number in E.164, a CRM id, a display name and the
-- time of their latest own message; custom attributes, labels, static lists and segments arrive.
ALTER TABLE contacts ADD COLUMN customer_id character varying(8) NOT NULL DEFAULT '';
ALTER TABLE contacts ALTER COLUMN customer_id DROP DEFAULT;
ALTER TABLE contacts ADD COLUMN phone character varying(20) NULL;
ALTER TABLE contacts ADD COLUMN external_id character varying(200) NULL;
ALTER TABLE contacts ADD COLUMN display_name character varying(200) NULL;
ALTER TABLE contacts ADD COLUMN last_inbound_at timestamp with time zone NULL;

-- Existing contacts: the n-th contact of a workspace gets (n * 3^18 + 12345) mod 2^30 in six base32
-- digits. An odd multiplier is a bijection modulo 2^30, so these IDs are unique without any retry;
-- later ones are random and checked against them.
UPDATE contacts SET customer_id = 'C-'
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((n.v >> 25) & 31) + 1)::integer, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((n.v >> 20) & 31) + 1)::integer, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((n.v >> 15) & 31) + 1)::integer, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((n.v >> 10) & 31) + 1)::integer, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (((n.v >> 5) & 31) + 1)::integer, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v & 31) + 1)::integer, 1)
FROM (SELECT id, (row_number() OVER (PARTITION BY workspace_id ORDER BY created_at, id) * 387420489 + 12345) % 1073741824 AS v FROM contacts) AS n
WHERE n.id = contacts.id;
UPDATE contacts SET phone = '+' || wa_id WHERE wa_id IS NOT NULL;
UPDATE contacts SET last_inbound_at = (SELECT max(c.last_inbound_at) FROM conversations AS c WHERE c.contact_id = contacts.id);

CREATE UNIQUE INDEX ix_contacts_workspace_id_customer_id ON contacts (workspace_id, customer_id);
CREATE UNIQUE INDEX ix_contacts_workspace_id_phone ON contacts (workspace_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX ix_contacts_workspace_id_external_id ON contacts (workspace_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX ix_contacts_workspace_id_created_at_id ON contacts (workspace_id, created_at, id);
CREATE INDEX ix_contacts_workspace_id_last_inbound_at ON contacts (workspace_id, last_inbound_at);

CREATE TABLE attribute_definitions (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    key character varying(64) NOT NULL,
    name character varying(200) NOT NULL,
    type character varying(16) NOT NULL,
    options character varying(4000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_attribute_definitions PRIMARY KEY (id),
    CONSTRAINT fk_attribute_definitions_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_attribute_definitions_workspace_id_key ON attribute_definitions (workspace_id, key);

CREATE TABLE contact_attribute_values (
    contact_id uuid NOT NULL,
    attribute_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    text_value character varying(1000) NULL,
    number_value double precision NULL,
    date_value date NULL,
    bool_value boolean NULL,
    CONSTRAINT pk_contact_attribute_values PRIMARY KEY (contact_id, attribute_id),
    CONSTRAINT fk_contact_attribute_values_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
    CONSTRAINT fk_contact_attribute_values_attribute_id FOREIGN KEY (attribute_id) REFERENCES attribute_definitions (id) ON DELETE CASCADE
);
CREATE INDEX ix_contact_attribute_values_attribute_id_text_value ON contact_attribute_values (attribute_id, text_value);
CREATE INDEX ix_contact_attribute_values_attribute_id_number_value ON contact_attribute_values (attribute_id, number_value);
CREATE INDEX ix_contact_attribute_values_attribute_id_date_value ON contact_attribute_values (attribute_id, date_value);
CREATE INDEX ix_contact_attribute_values_attribute_id_bool_value ON contact_attribute_values (attribute_id, bool_value);

CREATE TABLE labels (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    colour character varying(7) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_labels PRIMARY KEY (id),
    CONSTRAINT fk_labels_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_labels_workspace_id_name ON labels (workspace_id, name);

CREATE TABLE contact_labels (
    contact_id uuid NOT NULL,
    label_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    CONSTRAINT pk_contact_labels PRIMARY KEY (contact_id, label_id),
    CONSTRAINT fk_contact_labels_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE,
    CONSTRAINT fk_contact_labels_label_id FOREIGN KEY (label_id) REFERENCES labels (id) ON DELETE CASCADE
);
CREATE INDEX ix_contact_labels_label_id ON contact_labels (label_id);

CREATE TABLE contact_lists (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_contact_lists PRIMARY KEY (id),
    CONSTRAINT fk_contact_lists_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_contact_lists_workspace_id_name ON contact_lists (workspace_id, name);

CREATE TABLE contact_list_members (
    list_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    added_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_contact_list_members PRIMARY KEY (list_id, contact_id),
    CONSTRAINT fk_contact_list_members_list_id FOREIGN KEY (list_id) REFERENCES contact_lists (id) ON DELETE CASCADE,
    CONSTRAINT fk_contact_list_members_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);
CREATE INDEX ix_contact_list_members_contact_id ON contact_list_members (contact_id);

CREATE TABLE segments (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    filter character varying(20000) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_segments PRIMARY KEY (id),
    CONSTRAINT fk_segments_workspace_id FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_segments_workspace_id_name ON segments (workspace_id, name);
