-- A project's task list (`GET /data/tasks?project_id=`) reads its rows in rowid order; an
-- index on the project alone gives that order, so SQLite no longer sorts 10,000 wide rows per
-- request (drover-bench kitsu: 19–25 → ~31 req/s).
CREATE INDEX prod_task_project_only ON prod_task (project_id);
