//! The job and task state machine: which command is allowed from which job status, which task
//! status may follow which, and how a job's status follows from its tasks.

use drover_shared::{JobCommand, JobStatus, TaskStatus};

/// Task counts of one job by status, as kept on the job row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounts {
    /// All tasks.
    pub total: u64,
    /// Queued.
    pub queued: u64,
    /// Active.
    pub active: u64,
    /// Paused.
    pub paused: u64,
    /// Completed.
    pub completed: u64,
    /// Soft-failed (will be retried).
    pub soft_failed: u64,
    /// Failed.
    pub failed: u64,
    /// Canceled.
    pub canceled: u64,
}

/// Why a command or a transition was refused: the job or task is in the wrong state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAllowed(pub String);

/// Checks that `command` may be sent to a job in `status` with these task counts.
pub fn check_command(
    status: JobStatus,
    command: JobCommand,
    counts: &TaskCounts,
) -> Result<(), NotAllowed> {
    if command.allowed(status, counts.failed + counts.canceled) {
        Ok(())
    } else {
        Err(NotAllowed(command.refusal(status)))
    }
}

/// True when a task may go from `from` to `to`. Staying put is always allowed.
pub fn task_transition_allowed(from: TaskStatus, to: TaskStatus) -> bool {
    use TaskStatus as T;
    if from == to {
        return true;
    }
    match from {
        T::Queued => matches!(to, T::Active | T::Paused | T::Canceled),
        T::Active => true,
        T::SoftFailed => matches!(
            to,
            T::Active | T::Queued | T::Failed | T::Paused | T::Canceled
        ),
        T::Paused => matches!(to, T::Queued | T::Canceled),
        T::Completed | T::Failed | T::Canceled => to == T::Queued,
    }
}

/// The job status that follows from its tasks.
///
/// `paused` and `canceled` are set by commands and kept while work remains; everything else
/// follows from the counts. A job fails when its failed tasks reach `fail_percent` of all
/// tasks, or when nothing runnable is left and some task failed.
pub fn derive_job_status(current: JobStatus, counts: &TaskCounts, fail_percent: f64) -> JobStatus {
    use JobStatus as J;
    if counts.total > 0 && counts.completed == counts.total {
        return J::Completed;
    }
    if counts.failed > 0 && (counts.failed as f64) * 100.0 >= fail_percent * counts.total as f64 {
        return J::Failed;
    }
    let runnable = counts.queued + counts.soft_failed + counts.active + counts.paused;
    if runnable == 0 {
        return if counts.failed > 0 {
            J::Failed
        } else {
            J::Canceled
        };
    }
    match current {
        J::Paused => J::Paused,
        _ if counts.active > 0 => J::Active,
        _ if counts.queued + counts.soft_failed == 0 => J::Paused,
        _ if counts.completed + counts.failed + counts.soft_failed > 0 => J::Active,
        _ => J::Queued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JobCommand as C;
    use JobStatus as J;
    use TaskStatus as T;

    fn counts(total: u64, f: impl FnOnce(&mut TaskCounts)) -> TaskCounts {
        let mut c = TaskCounts {
            total,
            ..TaskCounts::default()
        };
        f(&mut c);
        c
    }

    #[test]
    fn commands_by_job_status() {
        let none = TaskCounts::default();
        let table: &[(J, C, bool)] = &[
            (J::Paused, C::Start, true),
            (J::Queued, C::Start, false),
            (J::Active, C::Start, false),
            (J::Paused, C::Resume, true),
            (J::Completed, C::Resume, false),
            (J::Queued, C::Pause, true),
            (J::Active, C::Pause, true),
            (J::Paused, C::Pause, false),
            (J::Completed, C::Pause, false),
            (J::Queued, C::Cancel, true),
            (J::Active, C::Cancel, true),
            (J::Paused, C::Cancel, true),
            (J::Completed, C::Cancel, false),
            (J::Failed, C::Cancel, false),
            (J::Canceled, C::Cancel, false),
            (J::Completed, C::RenderAgain, true),
            (J::Active, C::RenderAgain, true),
            (J::Canceled, C::SetPriority, true),
            (J::Failed, C::RequeueFailed, false),
        ];
        for &(status, command, expected) in table {
            assert_eq!(
                check_command(status, command, &none).is_ok(),
                expected,
                "{command} from {status}"
            );
        }
        let one_failed = counts(3, |c| c.failed = 1);
        assert!(check_command(J::Failed, C::RequeueFailed, &one_failed).is_ok());
        let err = check_command(J::Completed, C::Pause, &none).unwrap_err();
        assert_eq!(err.0, "a completed job cannot be sent `pause`");
    }

    #[test]
    fn task_transitions() {
        let allowed: &[(T, T)] = &[
            (T::Queued, T::Active),
            (T::Queued, T::Paused),
            (T::Queued, T::Canceled),
            (T::Active, T::Completed),
            (T::Active, T::Failed),
            (T::Active, T::SoftFailed),
            (T::Active, T::Queued),
            (T::SoftFailed, T::Active),
            (T::SoftFailed, T::Failed),
            (T::Paused, T::Queued),
            (T::Completed, T::Queued),
            (T::Failed, T::Queued),
            (T::Canceled, T::Queued),
        ];
        for &(from, to) in allowed {
            assert!(task_transition_allowed(from, to), "{from} -> {to}");
        }
        let refused: &[(T, T)] = &[
            (T::Queued, T::Completed),
            (T::Queued, T::Failed),
            (T::Paused, T::Active),
            (T::Paused, T::Completed),
            (T::Completed, T::Failed),
            (T::Completed, T::Active),
            (T::Failed, T::Completed),
            (T::Canceled, T::Active),
        ];
        for &(from, to) in refused {
            assert!(!task_transition_allowed(from, to), "{from} -> {to}");
        }
        for &status in TaskStatus::ALL {
            assert!(task_transition_allowed(status, status));
        }
    }

    #[test]
    fn task_actions_by_task_status() {
        use drover_shared::TaskAction as A;
        // (action, from, the status it takes in a running job / in a paused one)
        let table: &[(A, T, Option<T>, Option<T>)] = &[
            (A::Requeue, T::Queued, None, None),
            (A::Requeue, T::Paused, None, None),
            (A::Requeue, T::Active, Some(T::Queued), Some(T::Paused)),
            (A::Requeue, T::SoftFailed, Some(T::Queued), Some(T::Paused)),
            (A::Requeue, T::Completed, Some(T::Queued), Some(T::Paused)),
            (A::Requeue, T::Failed, Some(T::Queued), Some(T::Paused)),
            (A::Requeue, T::Canceled, Some(T::Queued), Some(T::Paused)),
            (A::Skip, T::Queued, Some(T::Completed), Some(T::Completed)),
            (A::Skip, T::Active, Some(T::Completed), Some(T::Completed)),
            (A::Skip, T::Paused, Some(T::Completed), Some(T::Completed)),
            (A::Skip, T::Failed, Some(T::Completed), Some(T::Completed)),
            (A::Skip, T::Completed, None, None),
            (A::Fail, T::Queued, Some(T::Failed), Some(T::Failed)),
            (A::Fail, T::Active, Some(T::Failed), Some(T::Failed)),
            (A::Fail, T::SoftFailed, Some(T::Failed), Some(T::Failed)),
            (A::Fail, T::Completed, None, None),
            (A::Fail, T::Failed, None, None),
            (A::Fail, T::Canceled, None, None),
        ];
        for &(action, from, running, paused) in table {
            assert_eq!(action.target(from, false), running, "{action} from {from}");
            assert_eq!(
                action.target(from, true),
                paused,
                "{action} from {from}, paused"
            );
        }
        // A requeue goes only where a task may go (`POST /tasks` takes the same step).
        for &from in TaskStatus::ALL {
            if let Some(to) = A::Requeue.target(from, false) {
                assert!(task_transition_allowed(from, to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn job_status_follows_tasks() {
        let d = |current, c: TaskCounts| derive_job_status(current, &c, 10.0);
        assert_eq!(d(J::Queued, counts(4, |c| c.queued = 4)), J::Queued);
        assert_eq!(
            d(
                J::Queued,
                counts(4, |c| {
                    c.queued = 3;
                    c.active = 1;
                })
            ),
            J::Active
        );
        assert_eq!(
            d(
                J::Active,
                counts(4, |c| {
                    c.queued = 3;
                    c.completed = 1;
                })
            ),
            J::Active
        );
        assert_eq!(d(J::Active, counts(4, |c| c.completed = 4)), J::Completed);
        // A paused job stays paused while work remains, and completes when nothing does.
        assert_eq!(
            d(
                J::Paused,
                counts(4, |c| {
                    c.paused = 3;
                    c.active = 1;
                })
            ),
            J::Paused
        );
        assert_eq!(d(J::Paused, counts(2, |c| c.completed = 2)), J::Completed);
        // 1 failed of 20 is 5%: the job goes on; 2 of 20 is 10%: it fails.
        assert_eq!(
            d(
                J::Active,
                counts(20, |c| {
                    c.failed = 1;
                    c.queued = 19;
                })
            ),
            J::Active
        );
        assert_eq!(
            d(
                J::Active,
                counts(20, |c| {
                    c.failed = 2;
                    c.queued = 18;
                })
            ),
            J::Failed
        );
        // Nothing runnable left: failed if any failed, else canceled.
        assert_eq!(
            d(
                J::Active,
                counts(20, |c| {
                    c.failed = 1;
                    c.completed = 19;
                })
            ),
            J::Failed
        );
        assert_eq!(
            d(
                J::Active,
                counts(4, |c| {
                    c.canceled = 2;
                    c.completed = 2;
                })
            ),
            J::Canceled
        );
        // Soft-failed tasks are still runnable.
        assert_eq!(
            d(
                J::Active,
                counts(4, |c| {
                    c.soft_failed = 1;
                    c.completed = 3;
                })
            ),
            J::Active
        );
        // Every remaining task paused by hand: the job is effectively paused.
        assert_eq!(
            d(
                J::Active,
                counts(4, |c| {
                    c.paused = 2;
                    c.completed = 2;
                })
            ),
            J::Paused
        );
    }
}
