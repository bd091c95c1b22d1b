-- Production tracking, the model of Kitsu (Zou): people with Kitsu's roles, departments,
-- projects shared with the farm, entities (assets, episodes, sequences, shots, scenes, edits),
-- casting, task types and statuses, tasks, comments, previews, time spent, output files,
-- playlists and the rest. Runs with foreign keys off (see `db::migrate`), so `users` and
-- `projects` can be rebuilt in place.
--
-- These tables are not STRICT: the generic `/data/<model>` routes read each column's declared
-- type (UUID, TEXT, INTEGER, REAL, BOOLEAN, DATE, DATETIME, JSON) to validate and serialise
-- it, so the schema below is the one description of the model. Times are Kitsu's
-- `YYYY-MM-DDTHH:MM:SS` in UTC; JSON columns hold JSON text; booleans are 0/1.

CREATE TABLE prod_studio (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    color      TEXT NOT NULL DEFAULT '#000000',
    archived   BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

-- People: the farm's users, with Kitsu's person fields and its six roles ('artist' is
-- Kitsu's 'user').
CREATE TABLE users_new (
    id                  UUID PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT 'artist'
                        CHECK (role IN ('client', 'vendor', 'artist', 'supervisor', 'manager', 'admin')),
    created             INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    phone               TEXT,
    contract_type       TEXT NOT NULL DEFAULT 'open-ended'
                        CHECK (contract_type IN ('open-ended', 'fixed-term', 'short-term',
                                                 'freelance', 'apprentice', 'internship')),
    active              BOOLEAN NOT NULL DEFAULT 1,
    archived            BOOLEAN NOT NULL DEFAULT 0,
    last_presence       DATE,
    desktop_login       TEXT,
    totp_enabled        BOOLEAN NOT NULL DEFAULT 0,
    totp_secret         TEXT,
    email_otp_enabled   BOOLEAN NOT NULL DEFAULT 0,
    fido_enabled        BOOLEAN NOT NULL DEFAULT 0,
    fido_credentials    JSON,
    otp_recovery_codes  JSON,
    preferred_two_factor_authentication TEXT,
    shotgun_id          INTEGER,
    timezone            TEXT NOT NULL DEFAULT 'Europe/Paris',
    locale              TEXT NOT NULL DEFAULT 'en_US',
    data                JSON,
    position            TEXT,
    seniority           TEXT,
    daily_salary        INTEGER,
    has_avatar          BOOLEAN NOT NULL DEFAULT 0,
    notifications_enabled BOOLEAN NOT NULL DEFAULT 0,
    is_bot              BOOLEAN NOT NULL DEFAULT 0,
    is_guest            BOOLEAN NOT NULL DEFAULT 0,
    expiration_date     DATE,
    studio_id           UUID REFERENCES prod_studio (id),
    country             TEXT,
    created_at          DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    updated_at          DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
INSERT INTO users_new (id, email, password_hash, role, created, first_name, created_at, updated_at)
SELECT id, email, password_hash, role, created, substr(email, 1, instr(email, '@') - 1),
       strftime('%Y-%m-%dT%H:%M:%S', created / 1000, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%S', created / 1000, 'unixepoch')
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_desktop_login ON users (desktop_login) WHERE desktop_login IS NOT NULL;

CREATE TABLE prod_organisation (
    id                       UUID PRIMARY KEY,
    name                     TEXT NOT NULL UNIQUE CHECK (name <> ''),
    hours_by_day             REAL NOT NULL DEFAULT 8,
    has_avatar               BOOLEAN NOT NULL DEFAULT 0,
    use_original_file_name   BOOLEAN NOT NULL DEFAULT 0,
    timesheets_locked        BOOLEAN NOT NULL DEFAULT 0,
    format_duration_in_hours BOOLEAN NOT NULL DEFAULT 0,
    hd_by_default            BOOLEAN NOT NULL DEFAULT 0,
    dark_theme_by_default    BOOLEAN NOT NULL DEFAULT 0,
    chat_token_slack         TEXT,
    chat_webhook_mattermost  TEXT,
    chat_token_discord       TEXT,
    created_at               DATETIME NOT NULL,
    updated_at               DATETIME NOT NULL
);

CREATE TABLE prod_department (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    color      TEXT NOT NULL DEFAULT '',
    archived   BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE prod_department_link (
    person_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    department_id UUID NOT NULL REFERENCES prod_department (id) ON DELETE CASCADE,
    PRIMARY KEY (person_id, department_id)
) WITHOUT ROWID;

CREATE TABLE prod_project_status (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    color      TEXT NOT NULL DEFAULT '#000000',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE prod_preview_background_file (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    archived      BOOLEAN NOT NULL DEFAULT 0,
    is_default    BOOLEAN NOT NULL DEFAULT 0,
    original_name TEXT,
    extension     TEXT,
    file_size     INTEGER,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- Projects: one row for the farm (integer `id`) and for production (`uuid`, the Kitsu id).
CREATE TABLE projects_new (
    id                 INTEGER PRIMARY KEY,
    uuid               UUID NOT NULL UNIQUE DEFAULT (
        lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
        substr(lower(hex(randomblob(2))), 2) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) ||
        '-' || lower(hex(randomblob(6)))),
    name               TEXT NOT NULL CHECK (name <> ''),
    description        TEXT NOT NULL DEFAULT '',
    is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    path_linux         TEXT NOT NULL DEFAULT '',
    path_osx           TEXT NOT NULL DEFAULT '',
    path_server        TEXT NOT NULL DEFAULT '',
    path_win           TEXT NOT NULL DEFAULT '',
    render_path_linux  TEXT NOT NULL DEFAULT '',
    render_path_osx    TEXT NOT NULL DEFAULT '',
    render_path_server TEXT NOT NULL DEFAULT '',
    render_path_win    TEXT NOT NULL DEFAULT '',
    created            INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    code               TEXT,
    shotgun_id         INTEGER,
    file_tree          JSON,
    data               JSON,
    has_avatar         BOOLEAN NOT NULL DEFAULT 0,
    fps                TEXT NOT NULL DEFAULT '25',
    ratio              TEXT NOT NULL DEFAULT '16:9',
    resolution         TEXT NOT NULL DEFAULT '1920x1080',
    production_type    TEXT NOT NULL DEFAULT 'short'
                       CHECK (production_type IN ('short', 'featurefilm', 'tvshow')),
    production_style   TEXT NOT NULL DEFAULT '2d3d'
                       CHECK (production_style IN ('2d', '2dpaper', '3d', '2d3d', 'ar', 'vfx',
                           'stop-motion', 'motion-design', 'archviz', 'commercial', 'catalog',
                           'immersive', 'nft', 'video-game', 'vr')),
    start_date         DATE,
    end_date           DATE,
    man_days           INTEGER,
    nb_episodes        INTEGER NOT NULL DEFAULT 0,
    episode_span       INTEGER NOT NULL DEFAULT 0,
    max_retakes        INTEGER NOT NULL DEFAULT 0,
    is_clients_isolated BOOLEAN NOT NULL DEFAULT 0,
    is_preview_download_allowed BOOLEAN NOT NULL DEFAULT 0,
    is_set_preview_automated BOOLEAN NOT NULL DEFAULT 0,
    homepage           TEXT NOT NULL DEFAULT 'assets',
    is_publish_default_for_artists BOOLEAN NOT NULL DEFAULT 0,
    hd_bitrate_compression INTEGER NOT NULL DEFAULT 28,
    ld_bitrate_compression INTEGER NOT NULL DEFAULT 6,
    project_status_id  UUID REFERENCES prod_project_status (id)
                       DEFAULT '3c1e3b0e-8a33-4a43-9d57-5a8c8f000001',
    default_preview_background_file_id UUID REFERENCES prod_preview_background_file (id),
    created_at         DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    updated_at         DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
INSERT INTO projects_new (id, name, description, is_active, path_linux, path_osx, path_server,
    path_win, render_path_linux, render_path_osx, render_path_server, render_path_win, created,
    created_at, updated_at)
SELECT id, name, description, is_active, path_linux, path_osx, path_server, path_win,
    render_path_linux, render_path_osx, render_path_server, render_path_win, created,
    strftime('%Y-%m-%dT%H:%M:%S', created / 1000, 'unixepoch'),
    strftime('%Y-%m-%dT%H:%M:%S', created / 1000, 'unixepoch')
FROM projects;
DROP TABLE projects;
ALTER TABLE projects_new RENAME TO projects;
-- Kitsu finds projects by name, so names are unique from now on; farm projects that shared a
-- name before get their id appended, so no project is lost.
UPDATE projects SET name = name || ' (' || id || ')'
WHERE id NOT IN (SELECT min(id) FROM projects GROUP BY name);
CREATE UNIQUE INDEX projects_name ON projects (name);

CREATE TABLE prod_entity_type (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
    short_name  TEXT,
    description TEXT,
    archived    BOOLEAN NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE prod_task_type (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    short_name    TEXT,
    description   TEXT,
    color         TEXT NOT NULL DEFAULT '#FFFFFF',
    priority      INTEGER NOT NULL DEFAULT 1,
    for_entity    TEXT NOT NULL DEFAULT 'Asset',
    allow_timelog BOOLEAN NOT NULL DEFAULT 1,
    archived      BOOLEAN NOT NULL DEFAULT 0,
    shotgun_id    INTEGER,
    department_id UUID REFERENCES prod_department (id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (name, for_entity, department_id)
);

CREATE TABLE prod_task_status (
    id                  UUID PRIMARY KEY,
    name                TEXT NOT NULL CHECK (name <> ''),
    archived            BOOLEAN NOT NULL DEFAULT 0,
    short_name          TEXT NOT NULL UNIQUE CHECK (short_name <> ''),
    description         TEXT,
    color               TEXT NOT NULL DEFAULT '#f5f5f5',
    priority            INTEGER NOT NULL DEFAULT 1,
    is_done             BOOLEAN NOT NULL DEFAULT 0,
    is_artist_allowed   BOOLEAN NOT NULL DEFAULT 1,
    is_client_allowed   BOOLEAN NOT NULL DEFAULT 1,
    is_retake           BOOLEAN NOT NULL DEFAULT 0,
    is_feedback_request BOOLEAN NOT NULL DEFAULT 0,
    is_default          BOOLEAN NOT NULL DEFAULT 0,
    is_wip              BOOLEAN NOT NULL DEFAULT 0,
    for_concept         BOOLEAN NOT NULL DEFAULT 0,
    shotgun_id          INTEGER,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);

-- A project's team and settings.
CREATE TABLE prod_project_person_link (
    project_id UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT,
    PRIMARY KEY (project_id, person_id)
) WITHOUT ROWID;
CREATE INDEX prod_project_person_link_person ON prod_project_person_link (person_id);

CREATE TABLE prod_project_asset_type_link (
    project_id    UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    asset_type_id UUID NOT NULL REFERENCES prod_entity_type (id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, asset_type_id)
) WITHOUT ROWID;

CREATE TABLE prod_project_task_type_link (
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    task_type_id UUID NOT NULL REFERENCES prod_task_type (id) ON DELETE CASCADE,
    priority     INTEGER,
    PRIMARY KEY (project_id, task_type_id)
) WITHOUT ROWID;

CREATE TABLE prod_project_task_status_link (
    project_id     UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    task_status_id UUID NOT NULL REFERENCES prod_task_status (id) ON DELETE CASCADE,
    priority       INTEGER,
    PRIMARY KEY (project_id, task_status_id)
) WITHOUT ROWID;

-- Assets, episodes, sequences, shots, scenes and edits: an entity of an entity type.
CREATE TABLE prod_entity (
    id                 UUID PRIMARY KEY,
    name               TEXT NOT NULL CHECK (name <> ''),
    code               TEXT,
    description        TEXT,
    shotgun_id         INTEGER,
    canceled           BOOLEAN NOT NULL DEFAULT 0,
    nb_frames          INTEGER,
    nb_entities_out    INTEGER NOT NULL DEFAULT 0,
    is_casting_standby BOOLEAN NOT NULL DEFAULT 0,
    is_shared          BOOLEAN NOT NULL DEFAULT 0,
    status             TEXT NOT NULL DEFAULT 'running'
                       CHECK (status IN ('standby', 'running', 'complete', 'canceled')),
    project_id         UUID NOT NULL REFERENCES projects (uuid),
    entity_type_id     UUID NOT NULL REFERENCES prod_entity_type (id),
    parent_id          UUID REFERENCES prod_entity (id),
    source_id          UUID REFERENCES prod_entity (id),
    preview_file_id    UUID REFERENCES prod_preview_file (id) ON DELETE SET NULL,
    data               JSON,
    ready_for          UUID REFERENCES prod_task_type (id),
    created_by         UUID REFERENCES users (id),
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
-- Zou's key, with NULL parents compared equal (SQLite's UNIQUE would let them repeat).
CREATE UNIQUE INDEX prod_entity_name ON prod_entity
    (project_id, entity_type_id, ifnull(parent_id, ''), name);
CREATE INDEX prod_entity_by_type ON prod_entity (entity_type_id, project_id);
CREATE INDEX prod_entity_parent ON prod_entity (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX prod_entity_source ON prod_entity (source_id) WHERE source_id IS NOT NULL;

-- Casting: asset `entity_out_id` appears `nb_occurences` times in `entity_in_id`.
CREATE TABLE prod_entity_link (
    id            UUID PRIMARY KEY,
    entity_in_id  UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    entity_out_id UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    data          JSON,
    nb_occurences INTEGER NOT NULL DEFAULT 1,
    label         TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (entity_in_id, entity_out_id)
);
CREATE INDEX prod_entity_link_out ON prod_entity_link (entity_out_id);

CREATE TABLE prod_asset_instance (
    id              UUID PRIMARY KEY,
    asset_id        UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    name            TEXT,
    number          INTEGER,
    description     TEXT,
    active          BOOLEAN NOT NULL DEFAULT 1,
    data            JSON,
    scene_id        UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    target_asset_id UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    entity_id       UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    entity_type_id  UUID REFERENCES prod_entity_type (id),
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (asset_id, target_asset_id, scene_id, number)
);

-- Asset instances placed in a shot.
CREATE TABLE prod_asset_instance_link (
    entity_id         UUID NOT NULL REFERENCES prod_entity (id) ON DELETE CASCADE,
    asset_instance_id UUID NOT NULL REFERENCES prod_asset_instance (id) ON DELETE CASCADE,
    PRIMARY KEY (entity_id, asset_instance_id)
) WITHOUT ROWID;

CREATE TABLE prod_task (
    id                   UUID PRIMARY KEY,
    name                 TEXT NOT NULL DEFAULT 'main' CHECK (name <> ''),
    description          TEXT,
    priority             INTEGER NOT NULL DEFAULT 0,
    difficulty           INTEGER NOT NULL DEFAULT 3 CHECK (difficulty BETWEEN 1 AND 5),
    duration             REAL NOT NULL DEFAULT 0,
    estimation           REAL NOT NULL DEFAULT 0,
    completion_rate      INTEGER NOT NULL DEFAULT 0,
    retake_count         INTEGER NOT NULL DEFAULT 0,
    sort_order           INTEGER NOT NULL DEFAULT 0,
    start_date           DATETIME,
    due_date             DATETIME,
    real_start_date      DATETIME,
    end_date             DATETIME,
    done_date            DATETIME,
    last_comment_date    DATETIME,
    nb_assets_ready      INTEGER NOT NULL DEFAULT 0,
    data                 JSON,
    nb_drawings          INTEGER NOT NULL DEFAULT 0,
    shotgun_id           INTEGER,
    last_preview_file_id UUID REFERENCES prod_preview_file (id) ON DELETE SET NULL,
    project_id           UUID NOT NULL REFERENCES projects (uuid),
    task_type_id         UUID NOT NULL REFERENCES prod_task_type (id),
    task_status_id       UUID NOT NULL REFERENCES prod_task_status (id),
    entity_id            UUID NOT NULL REFERENCES prod_entity (id),
    assigner_id          UUID REFERENCES users (id),
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    UNIQUE (name, project_id, task_type_id, entity_id)
);
CREATE INDEX prod_task_project ON prod_task (project_id, task_type_id);
CREATE INDEX prod_task_entity ON prod_task (entity_id);

CREATE TABLE prod_task_person_link (
    task_id   UUID NOT NULL REFERENCES prod_task (id) ON DELETE CASCADE,
    person_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, person_id)
) WITHOUT ROWID;
CREATE INDEX prod_task_person_link_person ON prod_task_person_link (person_id);

CREATE TABLE prod_preview_file (
    id                  UUID PRIMARY KEY,
    name                TEXT,
    original_name       TEXT,
    revision            INTEGER NOT NULL DEFAULT 1,
    position            INTEGER NOT NULL DEFAULT 1,
    extension           TEXT,
    description         TEXT,
    path                TEXT,
    source              TEXT,
    file_size           INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL DEFAULT 'processing'
                        CHECK (status IN ('processing', 'ready', 'broken')),
    validation_status   TEXT NOT NULL DEFAULT 'neutral'
                        CHECK (validation_status IN ('neutral', 'validated', 'rejected')),
    annotations         JSON,
    width               INTEGER NOT NULL DEFAULT 0,
    height              INTEGER NOT NULL DEFAULT 0,
    duration            REAL NOT NULL DEFAULT 0,
    task_id             UUID REFERENCES prod_task (id) ON DELETE CASCADE,
    person_id           UUID REFERENCES users (id),
    source_file_id      UUID REFERENCES prod_output_file (id) ON DELETE SET NULL,
    shotgun_id          INTEGER UNIQUE,
    is_movie            BOOLEAN NOT NULL DEFAULT 0,
    url                 TEXT,
    uploaded_movie_url  TEXT,
    uploaded_movie_name TEXT,
    data                JSON,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    UNIQUE (name, task_id, revision)
);
CREATE INDEX prod_preview_file_task ON prod_preview_file (task_id);

CREATE TABLE prod_comment (
    id              UUID PRIMARY KEY,
    shotgun_id      INTEGER,
    object_id       UUID NOT NULL REFERENCES prod_task (id) ON DELETE CASCADE,
    object_type     TEXT NOT NULL DEFAULT 'Task',
    text            TEXT NOT NULL DEFAULT '',
    data            JSON,
    replies         JSON NOT NULL DEFAULT '[]',
    checklist       JSON NOT NULL DEFAULT '[]',
    pinned          BOOLEAN NOT NULL DEFAULT 0,
    links           JSON NOT NULL DEFAULT '[]',
    for_client      BOOLEAN NOT NULL DEFAULT 0,
    task_status_id  UUID NOT NULL REFERENCES prod_task_status (id),
    person_id       UUID NOT NULL REFERENCES users (id),
    editor_id       UUID REFERENCES users (id),
    preview_file_id UUID REFERENCES prod_preview_file (id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX prod_comment_object ON prod_comment (object_id, created_at);

CREATE TABLE prod_comment_preview_link (
    comment_id      UUID NOT NULL REFERENCES prod_comment (id) ON DELETE CASCADE,
    preview_file_id UUID NOT NULL REFERENCES prod_preview_file (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, preview_file_id)
) WITHOUT ROWID;
CREATE INDEX prod_comment_preview_link_preview ON prod_comment_preview_link (preview_file_id);

CREATE TABLE prod_comment_mention (
    comment_id UUID NOT NULL REFERENCES prod_comment (id) ON DELETE CASCADE,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, person_id)
) WITHOUT ROWID;

CREATE TABLE prod_time_spent (
    id         UUID PRIMARY KEY,
    duration   REAL NOT NULL CHECK (duration >= 0),
    date       DATE NOT NULL,
    task_id    UUID NOT NULL REFERENCES prod_task (id) ON DELETE CASCADE,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (person_id, task_id, date)
);
CREATE INDEX prod_time_spent_task ON prod_time_spent (task_id);

CREATE TABLE prod_schedule_item (
    id           UUID PRIMARY KEY,
    start_date   DATE,
    end_date     DATE,
    man_days     INTEGER,
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    task_type_id UUID REFERENCES prod_task_type (id) ON DELETE CASCADE,
    object_id    UUID,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (project_id, task_type_id, object_id)
);

CREATE TABLE prod_output_type (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    short_name TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE prod_file_status (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (name <> ''),
    color      TEXT NOT NULL DEFAULT '#000000',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE prod_software (
    id                   UUID PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE CHECK (name <> ''),
    short_name           TEXT NOT NULL DEFAULT '',
    archived             BOOLEAN NOT NULL DEFAULT 0,
    version              TEXT,
    file_extension       TEXT NOT NULL DEFAULT '',
    secondary_extensions JSON,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);

CREATE TABLE prod_working_file (
    id                UUID PRIMARY KEY,
    shotgun_id        INTEGER,
    name              TEXT NOT NULL DEFAULT 'main',
    description       TEXT,
    comment           TEXT NOT NULL DEFAULT '',
    revision          INTEGER NOT NULL DEFAULT 1,
    size              INTEGER,
    checksum          INTEGER,
    path              TEXT,
    data              JSON,
    validation_status TEXT NOT NULL DEFAULT 'neutral',
    task_id           UUID REFERENCES prod_task (id) ON DELETE CASCADE,
    entity_id         UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    person_id         UUID REFERENCES users (id),
    software_id       UUID REFERENCES prod_software (id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (name, task_id, entity_id, revision)
);

CREATE TABLE prod_output_file (
    id                 UUID PRIMARY KEY,
    shotgun_id         INTEGER,
    name               TEXT NOT NULL CHECK (name <> ''),
    canceled           BOOLEAN NOT NULL DEFAULT 0,
    size               INTEGER,
    checksum           TEXT,
    description        TEXT,
    comment            TEXT NOT NULL DEFAULT '',
    extension          TEXT NOT NULL DEFAULT '',
    revision           INTEGER NOT NULL DEFAULT 1,
    representation     TEXT NOT NULL DEFAULT '',
    nb_elements        INTEGER NOT NULL DEFAULT 1,
    source             TEXT,
    path               TEXT,
    data               JSON,
    quality            TEXT NOT NULL DEFAULT 'max',
    file_status_id     UUID NOT NULL REFERENCES prod_file_status (id),
    entity_id          UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    asset_instance_id  UUID REFERENCES prod_asset_instance (id) ON DELETE CASCADE,
    output_type_id     UUID REFERENCES prod_output_type (id),
    task_type_id       UUID REFERENCES prod_task_type (id),
    person_id          UUID REFERENCES users (id),
    source_file_id     UUID REFERENCES prod_working_file (id) ON DELETE SET NULL,
    temporal_entity_id UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
-- Zou's key, with NULLs compared equal.
CREATE UNIQUE INDEX prod_output_file_key ON prod_output_file (name, ifnull(entity_id, ''),
    ifnull(asset_instance_id, ''), ifnull(output_type_id, ''), ifnull(task_type_id, ''),
    ifnull(temporal_entity_id, ''), representation, revision);

CREATE TABLE prod_playlist (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL CHECK (name <> ''),
    shots        JSON,
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    episode_id   UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    task_type_id UUID REFERENCES prod_task_type (id),
    for_client   BOOLEAN NOT NULL DEFAULT 0,
    for_entity   TEXT NOT NULL DEFAULT 'shot'
                 CHECK (for_entity IN ('shot', 'asset', 'sequence', 'edit', 'episode')),
    is_for_all   BOOLEAN NOT NULL DEFAULT 0,
    created_by   UUID REFERENCES users (id),
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX prod_playlist_name ON prod_playlist (project_id, ifnull(episode_id, ''), name);

CREATE TABLE prod_chat (
    id           UUID PRIMARY KEY,
    object_id    UUID NOT NULL,
    object_type  TEXT NOT NULL DEFAULT 'entity',
    last_message DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);

CREATE TABLE prod_chat_message (
    id         UUID PRIMARY KEY,
    chat_id    UUID NOT NULL REFERENCES prod_chat (id) ON DELETE CASCADE,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text       TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE prod_metadata_descriptor (
    id           UUID PRIMARY KEY,
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    entity_type  TEXT NOT NULL CHECK (entity_type <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    data_type    TEXT NOT NULL DEFAULT 'string'
                 CHECK (data_type IN ('string', 'number', 'list', 'taglist', 'boolean',
                                      'checklist')),
    field_name   TEXT NOT NULL CHECK (field_name <> ''),
    choices      JSON NOT NULL DEFAULT '[]',
    for_client   BOOLEAN NOT NULL DEFAULT 0,
    position     INTEGER,
    task_type_id UUID REFERENCES prod_task_type (id),
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (project_id, entity_type, name),
    UNIQUE (project_id, entity_type, field_name)
);

CREATE TABLE prod_notification (
    id          UUID PRIMARY KEY,
    read        BOOLEAN NOT NULL DEFAULT 0,
    change      BOOLEAN NOT NULL DEFAULT 0,
    type        TEXT NOT NULL
                CHECK (type IN ('comment', 'mention', 'assignation', 'reply', 'reply-mention')),
    person_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment_id  UUID REFERENCES prod_comment (id) ON DELETE CASCADE,
    task_id     UUID REFERENCES prod_task (id) ON DELETE CASCADE,
    playlist_id UUID REFERENCES prod_playlist (id) ON DELETE CASCADE,
    reply_id    UUID,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX prod_notification_person ON prod_notification (person_id, read);

CREATE TABLE prod_search_filter (
    id            UUID PRIMARY KEY,
    list_type     TEXT NOT NULL DEFAULT 'todo',
    entity_type   TEXT,
    name          TEXT NOT NULL CHECK (name <> ''),
    search_query  TEXT NOT NULL CHECK (search_query <> ''),
    is_shared     BOOLEAN NOT NULL DEFAULT 0,
    department_id UUID REFERENCES prod_department (id) ON DELETE CASCADE,
    person_id     UUID REFERENCES users (id) ON DELETE CASCADE,
    project_id    UUID REFERENCES projects (uuid) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE prod_desktop_login_log (
    id         UUID PRIMARY KEY,
    person_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    date       DATETIME NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX prod_desktop_login_log_person ON prod_desktop_login_log (person_id, date);

CREATE TABLE prod_day_off (
    id          UUID PRIMARY KEY,
    date        DATE NOT NULL,
    end_date    DATE NOT NULL,
    description TEXT,
    person_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (person_id, date)
);

CREATE TABLE prod_milestone (
    id           UUID PRIMARY KEY,
    date         DATE,
    name         TEXT NOT NULL CHECK (name <> ''),
    project_id   UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    task_type_id UUID REFERENCES prod_task_type (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);

CREATE TABLE prod_subscription (
    id           UUID PRIMARY KEY,
    person_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    task_id      UUID REFERENCES prod_task (id) ON DELETE CASCADE,
    entity_id    UUID REFERENCES prod_entity (id) ON DELETE CASCADE,
    task_type_id UUID REFERENCES prod_task_type (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (person_id, task_id)
);

-- What every fresh Kitsu starts with (`zou init-data`), so gazu's everyday calls find the
-- default statuses and types. Fixed ids keep the seed the same on every install.
INSERT INTO prod_project_status (id, name, color, created_at, updated_at) VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000001', 'Open', '#000000', strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now')),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000002', 'Closed', '#000000', strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now'));
UPDATE projects SET project_status_id = '3c1e3b0e-8a33-4a43-9d57-5a8c8f000001';

INSERT INTO prod_task_status (id, name, short_name, color, priority, is_done, is_retake,
    is_feedback_request, is_default, is_wip, is_artist_allowed, is_client_allowed, for_concept,
    created_at, updated_at)
SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9,
    column10, column11, column12, column13, strftime('%Y-%m-%dT%H:%M:%S', 'now'),
    strftime('%Y-%m-%dT%H:%M:%S', 'now')
FROM (VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000101', 'Todo', 'todo', '#f5f5f5', 1, 0, 0, 0, 1, 0, 1, 1, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000102', 'Ready To Start', 'ready', '#fbc02d', 1, 0, 0, 0, 0, 0, 1, 1, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000103', 'Work In Progress', 'wip', '#3273dc', 1, 0, 0, 0, 0, 1, 1, 1, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000104', 'Waiting For Approval', 'wfa', '#ab26ff', 1, 0, 0, 1, 0, 0, 1, 1, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000105', 'Retake', 'retake', '#ff3860', 1, 0, 1, 0, 0, 0, 1, 1, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000106', 'Done', 'done', '#22d160', 1, 1, 0, 0, 0, 0, 0, 0, 0),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000107', 'Neutral', 'neutral', '#CCCCCC', 1, 0, 0, 0, 0, 0, 1, 1, 1),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000108', 'Approved', 'approved', '#22d160', 1, 1, 0, 0, 0, 0, 0, 0, 1),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000109', 'Rejected', 'rejected', '#ff3860', 1, 0, 1, 0, 0, 0, 0, 0, 1));

INSERT INTO prod_entity_type (id, name, created_at, updated_at)
SELECT column1, column2, strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now')
FROM (VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000201', 'Character'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000202', 'Prop'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000203', 'Environment'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000204', 'FX'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000211', 'Episode'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000212', 'Sequence'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000213', 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000214', 'Scene'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000215', 'Edit'));

INSERT INTO prod_task_type (id, name, short_name, color, priority, for_entity, created_at, updated_at)
SELECT column1, column2, column3, column4, column5, column6,
    strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now')
FROM (VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000501', 'Concept', 'cpt', '#8D6E63', 1, 'Asset'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000502', 'Modeling', 'mod', '#78909C', 2, 'Asset'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000503', 'Shading', 'shd', '#64B5F6', 3, 'Asset'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000504', 'Rigging', 'rig', '#9CCC65', 4, 'Asset'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000511', 'Storyboard', 'stb', '#43A047', 1, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000512', 'Layout', 'lay', '#7CB342', 2, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000513', 'Animation', 'anim', '#009688', 3, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000514', 'Lighting', 'lgt', '#F9A825', 4, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000515', 'FX', 'fx', '#26C6DA', 5, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000516', 'Rendering', 'rdr', '#F06292', 6, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000517', 'Compositing', 'comp', '#ff5252', 7, 'Shot'),
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000521', 'Edit', 'edit', '#9b298c', 1, 'Edit'));

INSERT INTO prod_file_status (id, name, color, created_at, updated_at) VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000301', 'Created', '#ffffff', strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now'));

INSERT INTO prod_organisation (id, name, created_at, updated_at) VALUES
    ('3c1e3b0e-8a33-4a43-9d57-5a8c8f000401', 'Kitsu', strftime('%Y-%m-%dT%H:%M:%S', 'now'), strftime('%Y-%m-%dT%H:%M:%S', 'now'));

-- A farm job may render a production task; when it ends, the task gets a comment.
ALTER TABLE jobs ADD COLUMN production_task_id TEXT REFERENCES prod_task (id) ON DELETE SET NULL;
