-- Contacts get a pseudonymous customer ID, a phone number in E.164, a CRM id, a display name and the
-- time of their latest own message; custom attributes, labels, static lists and segments arrive.
ALTER TABLE "contacts" ADD COLUMN "customer_id" TEXT NOT NULL DEFAULT '';
ALTER TABLE "contacts" ADD COLUMN "phone" TEXT NULL;
ALTER TABLE "contacts" ADD COLUMN "external_id" TEXT NULL;
ALTER TABLE "contacts" ADD COLUMN "display_name" TEXT NULL;
ALTER TABLE "contacts" ADD COLUMN "last_inbound_at" TEXT NULL;

-- Existing contacts: the n-th contact of a workspace gets (n * 3^18 + 12345) mod 2^30 in six base32
-- digits. An odd multiplier is a bijection modulo 2^30, so these IDs are unique without any retry;
-- later ones are random and checked against them.
UPDATE "contacts" SET "customer_id" = 'C-'
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v >> 25) & 31) + 1, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v >> 20) & 31) + 1, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v >> 15) & 31) + 1, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v >> 10) & 31) + 1, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', ((n.v >> 5) & 31) + 1, 1)
    || substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (n.v & 31) + 1, 1)
FROM (SELECT "id", (row_number() OVER (PARTITION BY "workspace_id" ORDER BY "created_at", "id") * 387420489 + 12345) % 1073741824 AS v FROM "contacts") AS n
WHERE n."id" = "contacts"."id";
UPDATE "contacts" SET "phone" = '+' || "wa_id" WHERE "wa_id" IS NOT NULL;
UPDATE "contacts" SET "last_inbound_at" = (SELECT max(c."last_inbound_at") FROM "conversations" AS c WHERE c."contact_id" = "contacts"."id");

CREATE UNIQUE INDEX "ix_contacts_workspace_id_customer_id" ON "contacts" ("workspace_id", "customer_id");
CREATE UNIQUE INDEX "ix_contacts_workspace_id_phone" ON "contacts" ("workspace_id", "phone") WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX "ix_contacts_workspace_id_external_id" ON "contacts" ("workspace_id", "external_id") WHERE external_id IS NOT NULL;
CREATE INDEX "ix_contacts_workspace_id_created_at_id" ON "contacts" ("workspace_id", "created_at", "id");
CREATE INDEX "ix_contacts_workspace_id_last_inbound_at" ON "contacts" ("workspace_id", "last_inbound_at");

CREATE TABLE "attribute_definitions" (
    "id" TEXT NOT NULL CONSTRAINT "pk_attribute_definitions" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "options" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_attribute_definitions_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_attribute_definitions_workspace_id_key" ON "attribute_definitions" ("workspace_id", "key");

CREATE TABLE "contact_attribute_values" (
    "contact_id" TEXT NOT NULL,
    "attribute_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "text_value" TEXT NULL,
    "number_value" REAL NULL,
    "date_value" TEXT NULL,
    "bool_value" INTEGER NULL,
    CONSTRAINT "pk_contact_attribute_values" PRIMARY KEY ("contact_id", "attribute_id"),
    CONSTRAINT "fk_contact_attribute_values_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_contact_attribute_values_attribute_id" FOREIGN KEY ("attribute_id") REFERENCES "attribute_definitions" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_contact_attribute_values_attribute_id_text_value" ON "contact_attribute_values" ("attribute_id", "text_value");
CREATE INDEX "ix_contact_attribute_values_attribute_id_number_value" ON "contact_attribute_values" ("attribute_id", "number_value");
CREATE INDEX "ix_contact_attribute_values_attribute_id_date_value" ON "contact_attribute_values" ("attribute_id", "date_value");
CREATE INDEX "ix_contact_attribute_values_attribute_id_bool_value" ON "contact_attribute_values" ("attribute_id", "bool_value");

CREATE TABLE "labels" (
    "id" TEXT NOT NULL CONSTRAINT "pk_labels" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "colour" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_labels_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_labels_workspace_id_name" ON "labels" ("workspace_id", "name");

CREATE TABLE "contact_labels" (
    "contact_id" TEXT NOT NULL,
    "label_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    CONSTRAINT "pk_contact_labels" PRIMARY KEY ("contact_id", "label_id"),
    CONSTRAINT "fk_contact_labels_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_contact_labels_label_id" FOREIGN KEY ("label_id") REFERENCES "labels" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_contact_labels_label_id" ON "contact_labels" ("label_id");

CREATE TABLE "contact_lists" (
    "id" TEXT NOT NULL CONSTRAINT "pk_contact_lists" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "fk_contact_lists_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_contact_lists_workspace_id_name" ON "contact_lists" ("workspace_id", "name");

CREATE TABLE "contact_list_members" (
    "list_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "added_at" TEXT NOT NULL,
    CONSTRAINT "pk_contact_list_members" PRIMARY KEY ("list_id", "contact_id"),
    CONSTRAINT "fk_contact_list_members_list_id" FOREIGN KEY ("list_id") REFERENCES "contact_lists" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_contact_list_members_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON DELETE CASCADE
);
CREATE INDEX "ix_contact_list_members_contact_id" ON "contact_list_members" ("contact_id");

CREATE TABLE "segments" (
    "id" TEXT NOT NULL CONSTRAINT "pk_segments" PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "filter" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "fk_segments_workspace_id" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "ix_segments_workspace_id_name" ON "segments" ("workspace_id", "name");
