-- The counting trigger also stamps the job's `updated`, so settling a job after a task
-- changed writes the job row again only when its status changes.
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
        updated       = CAST(unixepoch('subsec') * 1000 AS INTEGER)
    WHERE id = NEW.job_id;
END;
