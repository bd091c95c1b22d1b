-- Limits (issue 17): per job, the most workers it may use at once and a task timeout that
-- replaces the farm's `task_timeout_secs` for its tasks; farm-wide named limits ("nuke-licences":
-- 5) that jobs consume, one unit per running task.

ALTER TABLE jobs ADD COLUMN max_workers INTEGER CHECK (max_workers IS NULL OR max_workers >= 1);
ALTER TABLE jobs ADD COLUMN task_timeout_secs INTEGER
    CHECK (task_timeout_secs IS NULL OR task_timeout_secs >= 1);

CREATE TABLE farm_limits (
    name        TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    max_running INTEGER NOT NULL CHECK (max_running >= 0),
    updated     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- A job holds a unit of each of its limits per running task. Removing a limit frees the jobs
-- that named it.
CREATE TABLE job_limits (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name   TEXT NOT NULL REFERENCES farm_limits (name) ON DELETE CASCADE,
    PRIMARY KEY (job_id, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_limits_name ON job_limits (name, job_id);
