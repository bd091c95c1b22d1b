-- Project templates, as Kitsu's production wizard offers them: a production's settings
-- (format, style, flags, file tree, metadata columns) and the task types, task statuses and
-- asset types it uses, kept apart from any production to start new ones from. The links are
-- plain rowid tables, so the writer's update hook sees their changes.
CREATE TABLE prod_project_template (
    id                             UUID PRIMARY KEY,
    name                           TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    description                    TEXT,
    fps                            TEXT NOT NULL DEFAULT '25',
    ratio                          TEXT NOT NULL DEFAULT '16:9',
    resolution                     TEXT NOT NULL DEFAULT '1920x1080',
    production_type                TEXT NOT NULL DEFAULT 'short'
                                   CHECK (production_type IN ('short', 'featurefilm', 'tvshow')),
    production_style               TEXT NOT NULL DEFAULT '2d3d',
    max_retakes                    INTEGER NOT NULL DEFAULT 0,
    is_clients_isolated            BOOLEAN NOT NULL DEFAULT 0,
    is_preview_download_allowed    BOOLEAN NOT NULL DEFAULT 0,
    is_set_preview_automated       BOOLEAN NOT NULL DEFAULT 0,
    is_publish_default_for_artists BOOLEAN NOT NULL DEFAULT 0,
    homepage                       TEXT NOT NULL DEFAULT 'assets',
    file_tree                      JSON,
    data                           JSON,
    metadata_descriptors           JSON,
    created_at                     DATETIME NOT NULL,
    updated_at                     DATETIME NOT NULL
);

CREATE TABLE prod_project_template_task_type_link (
    project_template_id UUID NOT NULL REFERENCES prod_project_template (id) ON DELETE CASCADE,
    task_type_id        UUID NOT NULL REFERENCES prod_task_type (id) ON DELETE CASCADE,
    priority            INTEGER,
    PRIMARY KEY (project_template_id, task_type_id)
);

CREATE TABLE prod_project_template_task_status_link (
    project_template_id UUID NOT NULL REFERENCES prod_project_template (id) ON DELETE CASCADE,
    task_status_id      UUID NOT NULL REFERENCES prod_task_status (id) ON DELETE CASCADE,
    priority            INTEGER,
    roles_for_board     JSON,
    PRIMARY KEY (project_template_id, task_status_id)
);

CREATE TABLE prod_project_template_asset_type_link (
    project_template_id UUID NOT NULL REFERENCES prod_project_template (id) ON DELETE CASCADE,
    asset_type_id       UUID NOT NULL REFERENCES prod_entity_type (id) ON DELETE CASCADE,
    PRIMARY KEY (project_template_id, asset_type_id)
);
