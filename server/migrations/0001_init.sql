-- Drover's first schema: people and sessions, the farm (projects, workers, managers,
-- settings), jobs and their tasks. Times are Unix milliseconds (UTC).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,                 -- UUID
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,                    -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('artist', 'manager', 'admin')),
    created       INTEGER NOT NULL
) STRICT;

-- One row per login. Tokens are random; only their SHA-256 is stored, so a leaked database
-- does not leak usable tokens.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access_hash     BLOB NOT NULL UNIQUE,
    refresh_hash    BLOB NOT NULL UNIQUE,
    access_expires  INTEGER NOT NULL,
    refresh_expires INTEGER NOT NULL,
    created         INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE projects (
    id                 INTEGER PRIMARY KEY,
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
    created            INTEGER NOT NULL
) STRICT;

CREATE TABLE workers (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,
    status    TEXT NOT NULL,
    last_seen INTEGER,
    created   INTEGER NOT NULL
) STRICT;

CREATE TABLE managers (
    uuid          TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    total_workers INTEGER NOT NULL DEFAULT 0 CHECK (total_workers >= 0),
    created       INTEGER NOT NULL
) STRICT;

-- Values are JSON; names and types are checked against the registry in `db::settings`.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Task counts by status are kept on the job by the trigger below, so listing jobs with their
-- progress never scans tasks.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    job_type      TEXT NOT NULL,
    settings      TEXT NOT NULL,                    -- JSON of the job type's settings
    status        TEXT NOT NULL,
    priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 100),
    created_by    TEXT NOT NULL REFERENCES users (id),
    created       INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    n_total       INTEGER NOT NULL DEFAULT 0,
    n_queued      INTEGER NOT NULL DEFAULT 0,
    n_active      INTEGER NOT NULL DEFAULT 0,
    n_paused      INTEGER NOT NULL DEFAULT 0,
    n_completed   INTEGER NOT NULL DEFAULT 0,
    n_soft_failed INTEGER NOT NULL DEFAULT 0,
    n_failed      INTEGER NOT NULL DEFAULT 0,
    n_canceled    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX jobs_order ON jobs (priority DESC, id);
CREATE INDEX jobs_status ON jobs (status);
CREATE INDEX jobs_project ON jobs (project_id);

-- Task ids increase in task order within a job, so `ORDER BY id` is task order and `id > ?`
-- is a keyset page.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    task_type   TEXT NOT NULL,
    status      TEXT NOT NULL,
    frame_start INTEGER NOT NULL,
    frame_end   INTEGER NOT NULL,
    worker_id   INTEGER REFERENCES workers (id) ON DELETE SET NULL,
    activity    TEXT NOT NULL DEFAULT '',
    failures    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL
) STRICT;
CREATE INDEX tasks_job ON tasks (job_id);
CREATE INDEX tasks_worker ON tasks (worker_id) WHERE worker_id IS NOT NULL;

CREATE TRIGGER tasks_count_status AFTER UPDATE OF status ON tasks
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE jobs SET
        n_queued      = n_queued      + (NEW.status = 'queued')      - (OLD.status = 'queued'),
        n_active      = n_active      + (NEW.status = 'active')      - (OLD.status = 'active'),
        n_paused      = n_paused      + (NEW.status = 'paused')      - (OLD.status = 'paused'),
        n_completed   = n_completed   + (NEW.status = 'completed')   - (OLD.status = 'completed'),
        n_soft_failed = n_soft_failed + (NEW.status = 'soft_failed') - (OLD.status = 'soft_failed'),
        n_failed      = n_failed      + (NEW.status = 'failed')      - (OLD.status = 'failed'),
        n_canceled    = n_canceled    + (NEW.status = 'canceled')    - (OLD.status = 'canceled')
    WHERE id = NEW.job_id;
END;
