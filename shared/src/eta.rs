//! Predicted finish times from what a job's finished tasks took: the server's `eta` on each job,
//! the app's "the queue empties at" for the farm. Pure arithmetic, shared so both agree.

use time::{Duration, OffsetDateTime};

/// When work of `waiting` tasks still to start and `running` tasks under way ends, if each
/// takes `task_ms` (the mean of the runs finished so far) and `workers` run them side by side.
/// A running task is taken as half done. `None` before any run finished (nothing to go by) or
/// with no worker.
pub fn finish(
    now: OffsetDateTime,
    task_ms: Option<f64>,
    waiting: u64,
    running: u64,
    workers: u64,
) -> Option<OffsetDateTime> {
    let task_ms = task_ms.filter(|ms| ms.is_finite() && *ms >= 0.0)?;
    if workers == 0 {
        return None;
    }
    let work_ms = task_ms * (waiting as f64 + running as f64 * 0.5);
    let ms = work_ms / workers as f64;
    // Past a year a prediction says nothing (and stays far inside `Duration`'s range).
    let ms = ms.min(365.0 * 86_400_000.0);
    Some(now + Duration::milliseconds(ms.round() as i64))
}

/// The mean duration of `runs` runs summing `total_ms`, or `None` without runs.
pub fn mean_ms(total_ms: i64, runs: u64) -> Option<f64> {
    (runs > 0).then(|| total_ms.max(0) as f64 / runs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::seconds(secs)
    }

    #[test]
    fn work_left_is_shared_by_the_workers_on_it() {
        // 10 s a task, 8 waiting and 2 running (half done) on 2 workers: 45 s.
        assert_eq!(finish(at(0), Some(10_000.0), 8, 2, 2), Some(at(45)));
        // One worker: twice as long.
        assert_eq!(finish(at(0), Some(10_000.0), 8, 2, 1), Some(at(90)));
        assert_eq!(finish(at(100), Some(10_000.0), 0, 0, 1), Some(at(100)));
    }

    #[test]
    fn nothing_is_predicted_without_a_finished_run_or_a_worker() {
        assert_eq!(mean_ms(0, 0), None);
        assert_eq!(mean_ms(30_000, 3), Some(10_000.0));
        assert_eq!(finish(at(0), None, 5, 0, 2), None);
        assert_eq!(finish(at(0), Some(1.0), 5, 0, 0), None);
        assert_eq!(finish(at(0), Some(f64::NAN), 5, 0, 1), None);
        // Absurd inputs stay a year out at most.
        assert_eq!(
            finish(at(0), Some(1e30), u64::MAX, 0, 1),
            Some(at(365 * 86_400))
        );
    }
}
