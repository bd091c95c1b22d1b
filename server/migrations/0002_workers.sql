-- Render nodes join with the farm's token, sign on, claim tasks and report back.

ALTER TABLE workers ADD COLUMN secret_hash BLOB;               -- SHA-256 of the worker's secret
ALTER TABLE workers ADD COLUMN tags TEXT NOT NULL DEFAULT '';  -- ",a,b," for instr() matching
ALTER TABLE workers ADD COLUMN task_types TEXT NOT NULL DEFAULT ',command,blender-render,ffmpeg,';
ALTER TABLE workers ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN facts TEXT NOT NULL DEFAULT '{}'; -- JSON HostFacts
ALTER TABLE workers ADD COLUMN task_id INTEGER REFERENCES tasks (id) ON DELETE SET NULL;
ALTER TABLE workers ADD COLUMN requested_status TEXT;          -- asleep | idle | offline
ALTER TABLE workers ADD COLUMN requested_lazy INTEGER NOT NULL DEFAULT 0;

ALTER TABLE jobs ADD COLUMN tag TEXT;                          -- only workers with this tag

ALTER TABLE tasks ADD COLUMN steps_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN steps_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN started INTEGER;
ALTER TABLE tasks ADD COLUMN finished INTEGER;
ALTER TABLE tasks ADD COLUMN completions INTEGER NOT NULL DEFAULT 0; -- proves none completes twice

-- The dispatch query walks runnable tasks of a job in task order through this index only.
CREATE INDEX tasks_runnable ON tasks (job_id, id) WHERE status IN ('queued', 'soft_failed');

-- A task waits until every task it depends on completed (a job's video waits for its frames).
CREATE TABLE task_deps (
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    depends_on INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, depends_on)
) STRICT, WITHOUT ROWID;

-- Which worker failed which task: a task is not handed again to a worker that failed it, and
-- fails for good once enough different workers did.
CREATE TABLE task_failures (
    task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    worker_id INTEGER NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created   INTEGER NOT NULL,
    PRIMARY KEY (task_id, worker_id)
) STRICT;
CREATE INDEX task_failures_job_worker ON task_failures (job_id, worker_id);

-- Workers kept away from a job after failing too many of its tasks.
CREATE TABLE blocklist (
    job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    worker_id INTEGER NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    task_type TEXT NOT NULL,
    created   INTEGER NOT NULL,
    PRIMARY KEY (job_id, worker_id, task_type)
) STRICT;

-- Each job's last rendered frame (files live in the data dir).
CREATE TABLE last_rendered (
    job_id  INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    task_id INTEGER,
    updated INTEGER NOT NULL
) STRICT;
