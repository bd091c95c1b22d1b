-- Housekeeping (issue 17): a job that ended longer ago than the farm keeps its status
-- (keep_completed_days, keep_failed_days, keep_canceled_days) is archived (its logs,
-- previews and outputs removed; the row stays for the history) or deleted, in the
-- background. `archived` is when; a job rendered again after it is newer than that.
ALTER TABLE jobs ADD COLUMN archived INTEGER;
CREATE INDEX jobs_ended ON jobs (status, updated);
