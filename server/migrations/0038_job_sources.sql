-- Predictions before the first frame (issue 17): a job remembers what it renders (its .blend,
-- else the shot of its Kitsu task), so a new job of the same file or shot in the same project
-- is predicted from how long the earlier ones took per frame.
ALTER TABLE jobs ADD COLUMN source TEXT;
UPDATE jobs SET source = coalesce(
    json_extract(settings, '$.blend_file'),
    (SELECT 'shot:' || entity_id FROM prod_task WHERE id = jobs.production_task_id));
CREATE INDEX jobs_source ON jobs (project_id, source, id) WHERE source IS NOT NULL;
