-- A shot's or edit's earlier names and frame ranges: a version is kept when either changes
-- (Kitsu's shot page shows the history). Zou's `entity_version`.
CREATE TABLE prod_entity_version (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    data       JSON,
    entity_id  UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    person_id  UUID,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX prod_entity_version_entity ON prod_entity_version (entity_id, created_at);
