//! A task's program as a process tree the worker can stop as a whole. On Unix the program
//! leads a new process group, stopped with SIGTERM to the group and SIGKILL after a grace;
//! on Windows it runs in its own process group inside a Job Object (see `windows.rs`),
//! stopped with `CTRL_BREAK` to the group and the job terminated after the same grace. Either
//! way everything the program started ends within two seconds.

use std::time::Duration;
use tokio::process::{Child, Command};

/// Time between the graceful stop (SIGTERM, `CTRL_BREAK`) and the forced one (SIGKILL,
/// terminating the job) when a task is stopped.
pub const KILL_GRACE: Duration = Duration::from_millis(700);

/// Sets `command` up to start its own process group (suspended on Windows, until
/// [`Tree::contain`] has put it in its job).
pub fn prepare(command: &mut Command) {
    #[cfg(unix)]
    command.process_group(0);
    #[cfg(windows)]
    command.creation_flags(crate::windows::task_creation_flags());
}

/// The processes of one task: its program and whatever the program starts.
pub struct Tree {
    #[cfg(windows)]
    job: crate::windows::TaskJob,
}

impl Tree {
    /// Takes hold of the tree `child` (started from a command [`prepare`]d) leads. On
    /// Windows this puts the still suspended program in a new Job Object and lets it run;
    /// on an error the program is killed.
    #[cfg_attr(
        not(windows),
        allow(
            clippy::unused_async,
            reason = "one signature for every platform; only Windows awaits (killing the program)"
        )
    )]
    pub async fn contain(child: &mut Child) -> std::io::Result<Self> {
        #[cfg(windows)]
        {
            let contained = match (child.raw_handle(), child.id()) {
                (Some(handle), Some(pid)) => crate::windows::TaskJob::contain(handle, pid),
                _ => Err(std::io::Error::other("the program has already ended")),
            };
            match contained {
                Ok(job) => Ok(Self { job }),
                Err(e) => {
                    let _ = child.kill().await;
                    Err(e)
                }
            }
        }
        #[cfg(not(windows))]
        {
            let _ = child;
            Ok(Self {})
        }
    }

    /// Ends the whole tree: the graceful stop, then after [`KILL_GRACE`] (or as soon as the
    /// program has ended, since what it started may still run) the forced one.
    pub async fn stop(&self, child: &mut Child) {
        #[cfg(unix)]
        if let Some(pid) = child.id() {
            use nix::sys::signal::{Signal, killpg};
            use nix::unistd::Pid;
            let group = Pid::from_raw(pid as i32);
            let _ = killpg(group, Signal::SIGTERM);
            if tokio::time::timeout(KILL_GRACE, child.wait())
                .await
                .is_err()
            {
                let _ = killpg(group, Signal::SIGKILL);
            } else {
                // The leader is gone; anything it started in the group goes too.
                let _ = killpg(group, Signal::SIGKILL);
            }
        }
        #[cfg(windows)]
        {
            if let Some(pid) = child.id() {
                if let Err(e) = crate::windows::ctrl_break(pid) {
                    tracing::debug!(error = %e, "no CTRL_BREAK for the task; terminating it");
                } else {
                    let _ = tokio::time::timeout(KILL_GRACE, child.wait()).await;
                }
            }
            // Whether the program ended or not, what it started may still run.
            self.job.terminate();
        }
        let _ = child.kill().await;
    }
}
