-- The farm's history by shot (issue 17): each job's day rows keep the production entity its
-- job rendered for (its Kitsu task's shot or asset), taken as runs are rolled up, so a shot
-- keeps its hours, energy and cost after its jobs are deleted.
ALTER TABLE farm_day_job_stats ADD COLUMN entity_id TEXT;
UPDATE farm_day_job_stats SET entity_id = (
    SELECT t.entity_id FROM jobs AS j JOIN prod_task AS t ON t.id = j.production_task_id
    WHERE j.id = farm_day_job_stats.job_id);
