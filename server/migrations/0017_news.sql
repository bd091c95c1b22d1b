-- The news feed: one item per comment on a task (with `change` when it moved the task's
-- status, and the preview it carries), as Zou's `news` rows; the feed reads them newest first.
CREATE TABLE prod_news (
    id              UUID PRIMARY KEY,
    change          BOOLEAN NOT NULL DEFAULT 0,
    author_id       UUID REFERENCES users (id) ON DELETE SET NULL,
    comment_id      UUID REFERENCES prod_comment (id) ON DELETE CASCADE,
    task_id         UUID NOT NULL REFERENCES prod_task (id) ON DELETE CASCADE,
    preview_file_id UUID REFERENCES prod_preview_file (id) ON DELETE SET NULL,
    project_id      UUID NOT NULL REFERENCES projects (uuid) ON DELETE CASCADE,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX prod_news_project ON prod_news (project_id, created_at);
CREATE INDEX prod_news_comment ON prod_news (comment_id);

-- The comments made before the feed existed, each an item (whether it moved the status is
-- not known any more).
INSERT INTO prod_news (id, change, author_id, comment_id, task_id, project_id, created_at,
                       updated_at)
SELECT lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
       substr(lower(hex(randomblob(2))), 2) || '-' ||
       substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) ||
       '-' || lower(hex(randomblob(6))),
       0, c.person_id, c.id, t.id, t.project_id, c.created_at, c.created_at
FROM prod_comment AS c JOIN prod_task AS t ON t.id = c.object_id;
