-- The studio's admin lists and the production settings built on them, as Kitsu's admin
-- pages edit them: custom actions, status automations, hardware items, salary scales, the
-- hardware and software a department uses, and which automations and preview backgrounds a
-- production or a template uses. Link tables are plain rowid tables, so the writer's update
-- hook sees their changes.

CREATE TABLE prod_custom_action (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> ''),
    url         TEXT,
    entity_type TEXT NOT NULL DEFAULT 'all',
    is_ajax     BOOLEAN NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE prod_status_automation (
    id                   UUID PRIMARY KEY,
    entity_type          TEXT NOT NULL DEFAULT 'asset',
    in_field_type        TEXT NOT NULL DEFAULT 'status'
                         CHECK (in_field_type IN ('status', 'ready_for')),
    in_task_type_id      UUID REFERENCES prod_task_type (id),
    in_task_status_id    UUID REFERENCES prod_task_status (id),
    out_field_type       TEXT NOT NULL DEFAULT 'status'
                         CHECK (out_field_type IN ('status', 'ready_for')),
    out_task_type_id     UUID REFERENCES prod_task_type (id),
    out_task_status_id   UUID REFERENCES prod_task_status (id),
    import_last_revision BOOLEAN NOT NULL DEFAULT 0,
    archived             BOOLEAN NOT NULL DEFAULT 0,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);

CREATE TABLE prod_hardware_item (
    id               UUID PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    short_name       TEXT NOT NULL CHECK (short_name <> ''),
    archived         BOOLEAN NOT NULL DEFAULT 0,
    monthly_cost     INTEGER NOT NULL DEFAULT 0 CHECK (monthly_cost >= 0),
    inventory_amount INTEGER NOT NULL DEFAULT 0 CHECK (inventory_amount >= 0),
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- One daily salary per department, position and seniority, as Zou keeps them.
CREATE TABLE prod_salary_scale (
    id            UUID PRIMARY KEY,
    department_id UUID NOT NULL REFERENCES prod_department (id) ON DELETE CASCADE,
    position      TEXT NOT NULL DEFAULT 'artist'
                  CHECK (position IN ('supervisor', 'lead', 'artist')),
    seniority     TEXT NOT NULL DEFAULT 'mid' CHECK (seniority IN ('senior', 'mid', 'junior')),
    salary        INTEGER NOT NULL DEFAULT 0 CHECK (salary >= 0),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (department_id, position, seniority)
);

CREATE TABLE prod_department_hardware_item_link (
    department_id    UUID NOT NULL REFERENCES prod_department (id) ON DELETE CASCADE,
    hardware_item_id UUID NOT NULL REFERENCES prod_hardware_item (id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, hardware_item_id)
);

CREATE TABLE prod_department_software_link (
    department_id UUID NOT NULL REFERENCES prod_department (id) ON DELETE CASCADE,
    software_id   UUID NOT NULL REFERENCES prod_software (id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, software_id)
);

-- A status automation a production uses cannot be deleted (Zou answers 400), hence no
-- cascade from the automation.
CREATE TABLE prod_project_status_automation_link (
    project_id           UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    status_automation_id UUID NOT NULL REFERENCES prod_status_automation (id),
    PRIMARY KEY (project_id, status_automation_id)
);

CREATE TABLE prod_project_preview_background_file_link (
    project_id                 UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    preview_background_file_id UUID NOT NULL
                               REFERENCES prod_preview_background_file (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, preview_background_file_id)
);

CREATE TABLE prod_project_template_status_automation_link (
    project_template_id  UUID NOT NULL REFERENCES prod_project_template (id) ON DELETE CASCADE,
    status_automation_id UUID NOT NULL REFERENCES prod_status_automation (id) ON DELETE CASCADE,
    PRIMARY KEY (project_template_id, status_automation_id)
);

CREATE TABLE prod_project_template_preview_background_file_link (
    project_template_id        UUID NOT NULL
                               REFERENCES prod_project_template (id) ON DELETE CASCADE,
    preview_background_file_id UUID NOT NULL
                               REFERENCES prod_preview_background_file (id) ON DELETE CASCADE,
    PRIMARY KEY (project_template_id, preview_background_file_id)
);

ALTER TABLE prod_project_template ADD COLUMN default_preview_background_file_id UUID
    REFERENCES prod_preview_background_file (id) ON DELETE SET NULL;

-- Metadata descriptors: Zou's newer data types (date, url, textarea, person) and the
-- departments a column belongs to (who among supervisors and vendors sees and edits it).
-- SQLite cannot change a CHECK in place, so the table is rebuilt; nothing refers to it.
CREATE TABLE prod_metadata_descriptor_new (
    id           UUID PRIMARY KEY,
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    entity_type  TEXT NOT NULL CHECK (entity_type <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    data_type    TEXT NOT NULL DEFAULT 'string'
                 CHECK (data_type IN ('string', 'number', 'list', 'taglist', 'boolean',
                                      'checklist', 'date', 'url', 'textarea', 'person')),
    field_name   TEXT NOT NULL CHECK (field_name <> ''),
    choices      JSON NOT NULL DEFAULT '[]',
    for_client   BOOLEAN NOT NULL DEFAULT 0,
    position     INTEGER,
    task_type_id UUID REFERENCES prod_task_type (id),
    departments  JSON NOT NULL DEFAULT '[]',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (project_id, entity_type, name),
    UNIQUE (project_id, entity_type, field_name)
);
INSERT INTO prod_metadata_descriptor_new (id, project_id, entity_type, name, data_type,
    field_name, choices, for_client, position, task_type_id, created_at, updated_at)
SELECT id, project_id, entity_type, name, data_type, field_name, choices, for_client,
    position, task_type_id, created_at, updated_at
FROM prod_metadata_descriptor;
DROP TABLE prod_metadata_descriptor;
ALTER TABLE prod_metadata_descriptor_new RENAME TO prod_metadata_descriptor;
