-- Job files without shared storage (issue 16): a project's storage mode and quota, files kept
-- by content (SHA-256), which projects hold each (for their quotas), each job's file set,
-- uploads under way (resumable; their declared size counts against the quota), and the
-- outputs a job's tasks sent back.

ALTER TABLE projects ADD COLUMN storage_mode TEXT NOT NULL DEFAULT 'shared'
    CHECK (storage_mode IN ('shared', 'upload'));
-- 100 GiB unless a manager says otherwise.
ALTER TABLE projects ADD COLUMN storage_quota_bytes INTEGER NOT NULL DEFAULT 107374182400
    CHECK (storage_quota_bytes >= 0);

-- The mode a job was submitted in: a project that changes mode later keeps its jobs working.
ALTER TABLE jobs ADD COLUMN storage_mode TEXT NOT NULL DEFAULT 'shared'
    CHECK (storage_mode IN ('shared', 'upload'));

-- A whole file, checked against its hash, at files/sha256/<first two digits>/<hash>.
CREATE TABLE stored_files (
    sha256  TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size    INTEGER NOT NULL CHECK (size >= 0),
    created INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- A project holds a file it uploaded or one of its jobs uses: what its quota counts.
CREATE TABLE project_files (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL REFERENCES stored_files (sha256),
    since      INTEGER NOT NULL,
    PRIMARY KEY (project_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX project_files_sha256 ON project_files (sha256);

-- An upload under way, at files/partial/<project>-<hash>.part.
CREATE TABLE file_uploads (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    sha256     TEXT NOT NULL CHECK (length(sha256) = 64),
    size       INTEGER NOT NULL CHECK (size >= 0),
    started    INTEGER NOT NULL,
    touched    INTEGER NOT NULL,
    PRIMARY KEY (project_id, sha256)
) STRICT, WITHOUT ROWID;

-- A job's file set: each path of its job folder and the content there.
CREATE TABLE job_files (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    path   TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES stored_files (sha256),
    size   INTEGER NOT NULL,
    PRIMARY KEY (job_id, path)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_files_sha256 ON job_files (sha256);

-- What a job's tasks sent back, at outputs/job-<id>/<name>.
CREATE TABLE job_outputs (
    job_id  INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    size    INTEGER NOT NULL CHECK (size >= 0),
    task_id INTEGER,
    updated INTEGER NOT NULL,
    PRIMARY KEY (job_id, name)
) STRICT, WITHOUT ROWID;
