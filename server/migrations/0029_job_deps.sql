-- Dependencies between jobs (issue 17): a job waits for the jobs it names, either whole (none
-- of its tasks runs before they all completed) or frame by frame (each of its tasks waits for
-- the upstream tasks rendering the same frames: those links are rows of task_deps).

CREATE TABLE job_deps (
    job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    depends_on INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    CHECK (job_id <> depends_on),
    PRIMARY KEY (job_id, depends_on)
) STRICT, WITHOUT ROWID;
-- From an upstream job to the jobs waiting for it, when its status changes.
CREATE INDEX job_deps_upstream ON job_deps (depends_on, job_id);

ALTER TABLE jobs ADD COLUMN depend_mode TEXT NOT NULL DEFAULT 'job'
    CHECK (depend_mode IN ('job', 'frame'));
-- What its dependencies do to the job now, kept by the writer whenever an upstream job's
-- status or the job's dependencies change: NULL (nothing), 'waiting' (whole-job mode, some
-- upstream job not completed: no task is handed out), 'following' (frame mode, some upstream
-- job not completed: tasks run as their frames are done upstream) or 'held' (an upstream job
-- failed or was canceled: no task is handed out until it is rendered again or the dependency
-- removed). dep_reason says which jobs, in words.
ALTER TABLE jobs ADD COLUMN dep_state TEXT
    CHECK (dep_state IN ('waiting', 'following', 'held'));
ALTER TABLE jobs ADD COLUMN dep_reason TEXT;

-- A task's waits on other tasks, from the task waited for: which downstream tasks a link
-- touches when an upstream job's frames change.
CREATE INDEX task_deps_upstream ON task_deps (depends_on);
