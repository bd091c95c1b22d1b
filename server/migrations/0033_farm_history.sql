-- The farm's history (issue 17): every run of a task that ended is kept, with what it drew, and
-- rolled up per day, so a year of history answers in milliseconds and outlives the jobs it came
-- from (no foreign keys: a deleted job, worker or project leaves its history). Ending a run
-- appends one row and nothing more (dispatch pays for no rollup); the rollups are brought up
-- to date in the background and before each read (`farm_rollup_mark` is how far they are).

-- The rated draw a manager gives a render node, for the estimate where the host cannot measure.
ALTER TABLE workers ADD COLUMN watts REAL CHECK (watts IS NULL OR watts >= 0);

CREATE TABLE farm_runs (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL,
    job_id     INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    submitter  TEXT NOT NULL,
    worker_id  INTEGER NOT NULL,
    started    INTEGER NOT NULL,
    ended      INTEGER NOT NULL,
    ms         INTEGER NOT NULL CHECK (ms >= 0),
    outcome    TEXT NOT NULL CHECK (outcome IN ('completed', 'failed', 'stopped')),
    -- The host's draw while it ran: measured (RAPL, nvidia-smi) or estimated.
    watts      REAL NOT NULL CHECK (watts >= 0),
    measured   INTEGER NOT NULL CHECK (measured IN (0, 1)),
    cores      INTEGER NOT NULL CHECK (cores >= 1)
) STRICT;

CREATE TABLE farm_rollup_mark (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_run INTEGER NOT NULL
) STRICT;
INSERT INTO farm_rollup_mark (id, last_run) VALUES (1, 0);

-- Rolled up three ways, each small enough that a year reads in milliseconds: per day, project
-- and submitter; per day and render node; per day and job.
CREATE TABLE farm_day_stats (
    day        TEXT NOT NULL,     -- YYYY-MM-DD, UTC, of the run's end
    project_id INTEGER NOT NULL,
    submitter  TEXT NOT NULL,
    completed  INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    stopped    INTEGER NOT NULL,
    ms         INTEGER NOT NULL,
    wh         REAL NOT NULL,
    core_ms    INTEGER NOT NULL,
    PRIMARY KEY (day, project_id, submitter)
) STRICT, WITHOUT ROWID;

CREATE TABLE farm_day_worker_stats (
    day        TEXT NOT NULL,
    worker_id  INTEGER NOT NULL,
    completed  INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    stopped    INTEGER NOT NULL,
    ms         INTEGER NOT NULL,
    wh         REAL NOT NULL,
    core_ms    INTEGER NOT NULL,
    PRIMARY KEY (day, worker_id)
) STRICT, WITHOUT ROWID;
-- By node over many days: read in the node's order, without a sort.
CREATE INDEX farm_day_worker_stats_worker
    ON farm_day_worker_stats (worker_id, day, completed, failed, stopped, ms, wh, core_ms);

CREATE TABLE farm_day_job_stats (
    day        TEXT NOT NULL,
    job_id     INTEGER NOT NULL,
    project_id INTEGER NOT NULL,
    completed  INTEGER NOT NULL,
    failed     INTEGER NOT NULL,
    stopped    INTEGER NOT NULL,
    ms         INTEGER NOT NULL,
    wh         REAL NOT NULL,
    core_ms    INTEGER NOT NULL,
    PRIMARY KEY (day, job_id)
) STRICT, WITHOUT ROWID;

-- A run ends when its task leaves `active`: completed, failed (soft or for good), or stopped
-- (requeued, paused, canceled, its worker gone). Its watts are the worker's last measured draw,
-- else its rated draw (or the farm's `default_worker_watts`) scaled by its load: 30 % idle,
-- the rest in proportion to the load per core.
CREATE TRIGGER tasks_record_run AFTER UPDATE OF status ON tasks
WHEN OLD.status = 'active' AND NEW.status <> 'active' AND OLD.started IS NOT NULL
BEGIN
    INSERT INTO farm_runs (task_id, job_id, project_id, submitter, worker_id, started, ended, ms,
                           outcome, watts, measured, cores)
    SELECT NEW.id, j.id, j.project_id, j.created_by, coalesce(w.id, 0), OLD.started, e.ended,
           max(e.ended - OLD.started, 0),
           CASE NEW.status WHEN 'completed' THEN 'completed' WHEN 'soft_failed' THEN 'failed'
                           WHEN 'failed' THEN 'failed' ELSE 'stopped' END,
           max(coalesce(json_extract(w.facts, '$.power_watts'),
               coalesce(w.watts,
                        (SELECT CAST(value AS REAL) FROM settings
                         WHERE name = 'default_worker_watts'),
                        250.0)
               * (0.3 + 0.7 * min(1.0, coalesce(json_extract(w.facts, '$.load_1m'), 1.0)
                                   / max(coalesce(json_extract(w.facts, '$.cores'), 1), 1)))),
               0.0),
           json_extract(w.facts, '$.power_watts') IS NOT NULL,
           max(coalesce(json_extract(w.facts, '$.cores'), 1), 1)
    FROM jobs AS j,
         (SELECT CASE WHEN NEW.finished >= OLD.started THEN NEW.finished
                      ELSE max(NEW.updated, OLD.started) END AS ended) AS e
    LEFT JOIN workers AS w ON w.id = coalesce(OLD.worker_id, NEW.worker_id)
    WHERE j.id = NEW.job_id;
END;
