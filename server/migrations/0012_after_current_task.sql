-- A request to a worker waits for its current task or not: the column says so in words, as the
-- API does (`after_current_task`; it was `lazy`).
ALTER TABLE workers RENAME COLUMN requested_lazy TO requested_after_current_task;
