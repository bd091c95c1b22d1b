-- Predicted finish times (issue 17): each job keeps the summed duration and the count of its
-- tasks' completed runs, so its finish is predicted from one row. The counting trigger adds a
-- run when a worker's completion (which moves `completions`) lands; a task skipped by hand
-- ran nothing and adds nothing.

ALTER TABLE jobs ADD COLUMN done_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN done_runs INTEGER NOT NULL DEFAULT 0;

UPDATE jobs SET
    done_ms   = (SELECT coalesce(sum(t.finished - t.started), 0) FROM tasks t
                 WHERE t.job_id = jobs.id AND t.status = 'completed' AND t.completions > 0
                   AND t.started IS NOT NULL AND t.finished >= t.started),
    done_runs = (SELECT count(*) FROM tasks t
                 WHERE t.job_id = jobs.id AND t.status = 'completed' AND t.completions > 0
                   AND t.started IS NOT NULL AND t.finished >= t.started);

DROP TRIGGER tasks_count_status;
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
        n_canceled    = n_canceled    + (NEW.status = 'canceled')    - (OLD.status = 'canceled'),
        done_ms       = done_ms + CASE
            WHEN NEW.status = 'completed' AND NEW.completions > OLD.completions
                 AND NEW.started IS NOT NULL AND NEW.finished >= NEW.started
            THEN NEW.finished - NEW.started ELSE 0 END,
        done_runs     = done_runs + (NEW.status = 'completed' AND NEW.completions > OLD.completions
                 AND NEW.started IS NOT NULL AND NEW.finished >= NEW.started),
        updated       = CAST(unixepoch('subsec') * 1000 AS INTEGER)
    WHERE id = NEW.job_id;
END;
