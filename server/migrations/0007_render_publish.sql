-- Farm ⇄ production: render jobs linked to a production task that ended, waiting for their
-- comment (with the render's preview, or the log when it failed) to land on the task. The
-- server's publisher works through the rows with no `published_at`; a row is the outbox, so
-- a crash between the job's end and the comment loses nothing.
CREATE TABLE prod_render_publish (
    job_id       INTEGER PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    outcome      TEXT NOT NULL CHECK (outcome IN ('completed', 'failed')),
    ended_at     DATETIME NOT NULL,
    published_at DATETIME,
    comment_id   UUID REFERENCES prod_comment (id) ON DELETE SET NULL
);
CREATE INDEX prod_render_publish_pending ON prod_render_publish (job_id)
    WHERE published_at IS NULL;
CREATE INDEX jobs_production_task ON jobs (production_task_id)
    WHERE production_task_id IS NOT NULL;
