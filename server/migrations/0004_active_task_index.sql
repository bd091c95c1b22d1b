-- "Which task is this worker running?" is asked on every claim and requeue; the plain
-- worker_id index made it walk every task the worker ever ran (perf: 37% of the writer).
CREATE INDEX tasks_active_by_worker ON tasks (worker_id) WHERE status = 'active';
