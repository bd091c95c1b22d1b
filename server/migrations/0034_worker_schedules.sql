-- Sleep schedules (issue 17): a render node may sleep on given days and hours, as Flamenco's
-- workers do. The monitor asks it to sleep or wake when its schedule turns (`state` is the
-- last turn carried out), so a manager's own request in between holds until the next turn.
CREATE TABLE worker_schedules (
    worker_id INTEGER PRIMARY KEY REFERENCES workers (id) ON DELETE CASCADE,
    schedule  TEXT NOT NULL,          -- JSON WorkerSchedule
    state     TEXT CHECK (state IN ('asleep', 'awake'))
) STRICT;
