-- Kitsu's filter groups: the sections a person sorts their saved search filters into, per
-- list type and production (or all), shared with the production's team by its managers.
CREATE TABLE prod_search_filter_group (
    id            UUID PRIMARY KEY,
    list_type     TEXT NOT NULL DEFAULT 'todo',
    entity_type   TEXT,
    name          TEXT NOT NULL CHECK (name <> ''),
    color         TEXT NOT NULL DEFAULT '',
    is_shared     BOOLEAN NOT NULL DEFAULT 0,
    person_id     UUID REFERENCES users (id) ON DELETE CASCADE,
    project_id    UUID REFERENCES projects (uuid) ON DELETE CASCADE,
    department_id UUID REFERENCES prod_department (id) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX prod_search_filter_group_person ON prod_search_filter_group (person_id);

-- A filter sits in a group or in none; it goes with its group.
ALTER TABLE prod_search_filter ADD COLUMN search_filter_group_id UUID
    REFERENCES prod_search_filter_group (id) ON DELETE CASCADE;
