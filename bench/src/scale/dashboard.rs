//! A simulated dashboard: what the desktop app holds open while someone watches the farm.
//! Most hold the main stream (jobs and workers); some a job's task stream. Each keeps only
//! what it needs to tell, at the end, whether its picture matches the server's: the last
//! progress of each job, or which of its job's tasks it saw completed.

use super::http::{Conn, Target};
use super::measure::{Errors, Histogram};
use drover_shared::api::JobProgress;
use drover_shared::{JobId, TaskId};
use http_body_util::BodyExt;
use hyper::header::HeaderValue;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// What a dashboard watches.
#[derive(Debug, Clone, Copy)]
pub enum View {
    /// The app's main stream: every job's progress and every worker.
    Main,
    /// One job's tasks (the app's Job view).
    Job {
        /// Which job.
        job: JobId,
        /// Its first task's id: its tasks' ids follow on from it.
        first_task: TaskId,
        /// How many tasks it has.
        tasks: u64,
    },
}

/// What every dashboard adds to, and the signal they stop on.
pub struct Shared {
    /// The server.
    pub target: Arc<Target>,
    /// From each event's publish time (`at`) to its parsing here.
    pub delays: Histogram,
    /// Events received by all, so far.
    pub received: AtomicU64,
    /// Dashboards whose first stream opened, or whose first try failed.
    pub settled: AtomicU64,
    /// Failures by kind.
    pub errors: Errors,
    /// True once the run is over.
    pub stop: watch::Receiver<bool>,
}

/// What one dashboard saw.
pub struct Outcome {
    /// What it watched.
    pub view: View,
    /// Events received (keep-alives not counted).
    pub received: u64,
    /// `resync` events: the app would have reloaded.
    pub resyncs: u64,
    /// Main stream: each job's last progress received.
    pub progress: HashMap<JobId, JobProgress>,
    /// Main stream: progress events with fewer tasks ended than one before them. Tasks only
    /// end in this run, so each is an event published out of the order its write committed
    /// in: the picture goes back, and stays back if no later event corrects it.
    pub reordered: u64,
    /// Job stream: the tasks it saw completed.
    pub completed: TaskSet,
}

/// A set of task ids, a bit each for the job's own range: a hundred job streams of 100,000
/// tasks as hash sets would cost the load generator hundreds of MB.
pub struct TaskSet {
    first: i64,
    bits: Vec<u64>,
    others: HashSet<i64>,
}

impl TaskSet {
    fn new(first: TaskId, len: u64) -> Self {
        Self {
            first: first.0,
            bits: vec![0; len.div_ceil(64) as usize],
            others: HashSet::new(),
        }
    }

    fn slot(&self, id: TaskId) -> Option<(usize, u64)> {
        let offset = usize::try_from(id.0.checked_sub(self.first)?).ok()?;
        (offset / 64 < self.bits.len()).then_some((offset / 64, 1 << (offset % 64)))
    }

    fn insert(&mut self, id: TaskId) {
        match self.slot(id) {
            Some((word, bit)) => self.bits[word] |= bit,
            None => {
                self.others.insert(id.0);
            }
        }
    }

    /// True when `id` was inserted.
    pub fn contains(&self, id: TaskId) -> bool {
        match self.slot(id) {
            Some((word, bit)) => self.bits[word] & bit != 0,
            None => self.others.contains(&id.0),
        }
    }
}

/// The fields of an event a dashboard reads; serde skips the rest without building them.
#[derive(Deserialize)]
struct Wire<'a> {
    seq: u64,
    /// The server's publish time, in ms since the Unix epoch (servers before it send none).
    #[serde(default)]
    at: Option<i64>,
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(default)]
    job_id: Option<JobId>,
    #[serde(default)]
    task_id: Option<TaskId>,
    #[serde(default, borrow)]
    status: Option<&'a str>,
    #[serde(default)]
    progress: Option<JobProgress>,
    /// A `job` event's whole job: its progress counts too.
    #[serde(default)]
    job: Option<WireJob>,
}

#[derive(Deserialize)]
struct WireJob {
    id: JobId,
    progress: JobProgress,
}

/// Holds one dashboard's stream open until the stop, reconnecting (from the last event seen,
/// as the app does) when it drops.
pub async fn run(view: View, auth: HeaderValue, shared: Arc<Shared>) -> Outcome {
    let path = match view {
        View::Main => shared.target.events("jobs,workers", None),
        View::Job { job, .. } => shared.target.events("tasks", Some(job)),
    };
    let mut outcome = Outcome {
        view,
        received: 0,
        resyncs: 0,
        progress: HashMap::new(),
        reordered: 0,
        completed: match view {
            View::Main => TaskSet::new(TaskId(0), 0),
            View::Job {
                first_task, tasks, ..
            } => TaskSet::new(first_task, tasks),
        },
    };
    let mut stop = shared.stop.clone();
    let mut last_seq = None;
    let mut settled = false;
    loop {
        let opened = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            opened = open(&shared.target, &auth, &path, last_seq) => opened,
        };
        if !settled {
            settled = true;
            shared.settled.fetch_add(1, Ordering::Relaxed);
        }
        let mut body = match opened {
            Ok(body) => body,
            Err(e) => {
                shared.errors.add(format!("stream open: {e}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let mut buffer = Vec::new();
        loop {
            let frame = tokio::select! {
                _ = stop.wait_for(|s| *s) => return outcome,
                frame = body.frame() => frame,
            };
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        buffer.extend_from_slice(&data);
                        let before = outcome.received;
                        take_events(&mut buffer, &mut outcome, &mut last_seq, &shared);
                        shared
                            .received
                            .fetch_add(outcome.received - before, Ordering::Relaxed);
                    }
                }
                Some(Err(_)) => {
                    shared.errors.add("stream: read failed");
                    break;
                }
                None => {
                    shared.errors.add("stream: ended by the server");
                    break;
                }
            }
        }
    }
    outcome
}

/// Opens the stream on a fresh connection; its body, or why not.
async fn open(
    target: &Arc<Target>,
    auth: &HeaderValue,
    path: &str,
    last_seq: Option<u64>,
) -> anyhow::Result<hyper::body::Incoming> {
    let mut conn = Conn::open(Arc::clone(target), auth.clone()).await?;
    let response = conn.stream(path, last_seq).await?;
    anyhow::ensure!(response.status().is_success(), "{}", response.status());
    Ok(response.into_body())
}

/// Reads the whole event blocks at the front of `buffer` and leaves the unfinished rest.
fn take_events(
    buffer: &mut Vec<u8>,
    outcome: &mut Outcome,
    last_seq: &mut Option<u64>,
    shared: &Shared,
) {
    // One clock reading per chunk: the events in it arrived together.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut start = 0;
    while let Some(end) = buffer[start..].windows(2).position(|w| w == b"\n\n") {
        let block = &buffer[start..start + end];
        start += end + 2;
        // Comment lines (`:` keep-alives) and the `id:`/`event:` lines are skipped: the data
        // line carries all of it.
        let Some(data) = block
            .split(|b| *b == b'\n')
            .find_map(|line| line.strip_prefix(b"data:"))
        else {
            continue;
        };
        let Ok(event) = serde_json::from_slice::<Wire>(data.trim_ascii_start()) else {
            shared.errors.add("stream: unreadable event");
            continue;
        };
        outcome.received += 1;
        *last_seq = Some(event.seq);
        if let Some(at) = event.at {
            let delay_ms = u64::try_from(now_ms - at).unwrap_or(0);
            shared.delays.record(Duration::from_millis(delay_ms));
        }
        match (event.kind, &outcome.view) {
            ("resync", _) => outcome.resyncs += 1,
            ("job_progress", View::Main) => {
                if let (Some(job), Some(progress)) = (event.job_id, event.progress) {
                    let before = outcome.progress.insert(job, progress);
                    if before.is_some_and(|before| ended(&before) > ended(&progress)) {
                        outcome.reordered += 1;
                    }
                }
            }
            ("job", View::Main) => {
                if let Some(job) = event.job {
                    outcome.progress.insert(job.id, job.progress);
                }
            }
            ("task", View::Job { .. }) if event.status == Some("completed") => {
                if let Some(task) = event.task_id {
                    outcome.completed.insert(task);
                }
            }
            _ => {}
        }
    }
    buffer.drain(..start);
}

/// Tasks that reached an end, good or bad.
fn ended(progress: &JobProgress) -> u64 {
    progress.completed + progress.failed + progress.canceled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_sets_hold_ids_in_and_out_of_range() {
        let mut set = TaskSet::new(TaskId(100), 130);
        for id in [100, 163, 164, 229, 230, 5] {
            set.insert(TaskId(id));
        }
        for id in [100, 163, 164, 229, 230, 5] {
            assert!(set.contains(TaskId(id)), "{id}");
        }
        assert!(!set.contains(TaskId(101)));
        assert!(!set.contains(TaskId(99)));
    }
}
