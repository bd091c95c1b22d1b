//! The event bus behind `GET /api/events`: every change worth showing live is published here
//! after its write committed, numbered, kept in a ring for clients that reconnect, and handed
//! to the open streams that asked for it.
//!
//! Built for a thousand dashboards watching ten thousand render nodes:
//! - **Serialised once.** An event becomes its server-sent-events frame (`id:`, `event:`,
//!   `data:`) when it is published; a stream copies those bytes, never JSON of its own.
//! - **Routed, not broadcast.** Streams are indexed by topic, and by job for the topics that
//!   are a job's (tasks, logs, …), so publishing an event touches only the streams that take
//!   it; the others are neither woken nor made to skip it.
//! - **Queued per stream, woken once per batch.** A stream's events wait in its own bounded
//!   queue; the stream takes them all at once and writes them as one chunk. A stream that lets
//!   [`QUEUE_SIZE`] events pile up is told to resync instead of holding more.
//! - **A job's progress at most every [`PROGRESS_EVERY`].** Thousands of completions a second
//!   would each announce their job's counts; the first in a window is sent at once and the
//!   latest of the rest when the window ends, before any later event about the job as a whole.
//!
//! Each event carries whose it is ([`Owner`]: the farm as a whole, or a job's project), so a
//! stream shows a person only the projects whose team they are on. The bus keeps every job's
//! project in memory (read at start, learnt from each new job's event): a job's project never
//! changes, and the owner is fixed when the event is published, before a deletion forgets it.
//!
//! Open streams are counted per person and in all ([`StreamLimits`]): each holds a connection
//! and a queue, so neither one account nor everyone together may open them without bound.

use axum::body::Bytes;
use drover_shared::events::{Event, EventKind};
use drover_shared::{JobId, ProjectId, UserId, WorkerId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod streams;

pub use streams::{Batch, Filter, LiveEvents, Subscription};
use streams::{Queue, Waiting, deliver, routes, topic_index};
use tokio::sync::Notify;

/// Events kept for replay to clients that reconnect.
const RING_SIZE: usize = 8192;
/// Events one stream may have waiting before it is told to resync.
pub const QUEUE_SIZE: usize = 4096;
/// A job's progress is sent at most this often; the latest in between is sent at its end.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A worker's host facts (load, memory) are sent at most this often; a change of its status
/// at once.
pub const WORKER_FACTS_EVERY: Duration = Duration::from_secs(30);

/// The topics a stream may ask for, as `?topics=` names them.
pub const TOPICS: [&str; 6] = [
    "jobs",
    "tasks",
    "logs",
    "workers",
    "last_rendered",
    "notices",
];

/// Whose an event is, for deciding who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The farm as a whole (workers, resyncs): everyone sees it.
    Farm,
    /// A job of this project: its team sees it (and managers).
    Project(ProjectId),
    /// A job the bus does not know: only managers and admins see it.
    Unknown,
    /// One person's own (a notice): only their streams see it, whatever their role.
    Person(UserId),
}

/// An event as the bus keeps it: numbered, with its owner and its frame.
#[derive(Debug)]
pub struct Published {
    /// The event as clients get it.
    pub event: Event,
    /// Whose it is.
    pub owner: Owner,
    /// The event as a server-sent-events frame, ending with its blank line.
    pub frame: Bytes,
}

/// How many event streams may be open: per person, and on the whole server.
#[derive(Debug, Clone, Copy)]
pub struct StreamLimits {
    /// Streams one person may hold open at once (the app holds two).
    pub per_person: usize,
    /// Streams the server holds open at once, everyone together.
    pub total: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            per_person: 32,
            total: 4096,
        }
    }
}

/// Why a stream could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamRefused {
    /// The person holds as many as they may.
    #[error("you already have {0} event streams open; close one first")]
    PerPerson(usize),
    /// The server holds as many as it may.
    #[error("the server has {0} event streams open, its most; try again later")]
    Total(usize),
}

/// How many committed writes' events may wait for the publisher before the writer waits.
const PUBLISH_QUEUE: usize = 16_384;

/// Publishes the events of committed writes in the order they are handed over, on a thread
/// of its own: the writer hands them over at each commit, in commit order, and goes on with
/// the next write while they fan out to a thousand streams. Cheap to clone; the thread ends
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Publisher {
    batches: std::sync::mpsc::SyncSender<Vec<EventKind>>,
}

impl Publisher {
    /// Starts the publishing thread for `bus`, in the current runtime when there is one (the
    /// progress window's timer needs it).
    pub fn start(bus: EventBus) -> std::io::Result<Self> {
        let (batches, handed) = std::sync::mpsc::sync_channel::<Vec<EventKind>>(PUBLISH_QUEUE);
        let runtime = tokio::runtime::Handle::try_current().ok();
        std::thread::Builder::new()
            .name("drover-events".into())
            .spawn(move || {
                let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
                while let Ok(events) = handed.recv() {
                    bus.publish_all(events);
                }
            })?;
        Ok(Self { batches })
    }

    /// Hands a committed write's events over, to be published after those handed before.
    pub fn publish(&self, events: Vec<EventKind>) {
        if !events.is_empty() {
            // Fails only once the thread is gone (the server is stopping).
            let _ = self.batches.send(events);
        }
    }
}

/// Publishes and replays events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<BusState>,
    /// Every job's project.
    jobs: Mutex<HashMap<JobId, ProjectId>>,
    /// Each job's progress sending window (see [`PROGRESS_EVERY`]).
    progress: Mutex<HashMap<JobId, ProgressWindow>>,
    /// When each worker's heartbeat was last news (see [`WORKER_FACTS_EVERY`]).
    workers_told: Mutex<HashMap<WorkerId, Instant>>,
    limits: StreamLimits,
    open: Mutex<OpenStreams>,
}

/// The ring and the streams, under one lock so every stream gets its events in order.
struct BusState {
    next_seq: u64,
    ring: VecDeque<Arc<Published>>,
    next_stream: u64,
    /// Streams taking a topic whatever the job, by topic.
    every_job: [Vec<Arc<Queue>>; TOPICS.len()],
    /// Streams taking a topic of one job, by topic and job.
    one_job: [HashMap<JobId, Vec<Arc<Queue>>>; TOPICS.len()],
}

#[derive(Default)]
struct ProgressWindow {
    /// When the last progress of the job was sent.
    sent: Option<Instant>,
    /// The latest progress not sent yet, with when it was offered.
    pending: Option<(EventKind, i64)>,
    /// A task will send `pending` when the window ends.
    scheduled: bool,
}

#[derive(Default)]
struct OpenStreams {
    total: usize,
    by_person: HashMap<UserId, usize>,
}

/// One open stream's place in the count; given back when dropped (the client went away).
pub struct StreamPermit {
    inner: Arc<Inner>,
    person: UserId,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = lock(&self.inner.open);
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_person.get_mut(&self.person) {
            *n -= 1;
            if *n == 0 {
                open.by_person.remove(&self.person);
            }
        }
    }
}

/// A lock whose holder panicked is still usable: every update under these locks is whole
/// before anything that could panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// The SSE frame of an event, from its kind's JSON (`{"type":…}`) with `seq` and `at` put in
/// front, as `serde_json` writes an [`Event`].
fn frame(seq: u64, at: i64, topic: &str, kind_json: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(kind_json.len() + topic.len() + 64);
    frame.extend_from_slice(
        format!("id: {seq}\nevent: {topic}\ndata: {{\"seq\":{seq},\"at\":{at},").as_bytes(),
    );
    frame.extend_from_slice(kind_json.get(1..).unwrap_or_default());
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(StreamLimits::default())
    }
}

impl EventBus {
    /// A bus whose streams are limited as `limits` says.
    pub fn new(limits: StreamLimits) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(BusState {
                    next_seq: 1,
                    ring: VecDeque::with_capacity(RING_SIZE),
                    next_stream: 0,
                    every_job: Default::default(),
                    one_job: Default::default(),
                }),
                jobs: Mutex::new(HashMap::new()),
                progress: Mutex::new(HashMap::new()),
                workers_told: Mutex::new(HashMap::new()),
                limits,
                open: Mutex::new(OpenStreams::default()),
            }),
        }
    }

    /// Learns the projects of existing jobs (at start).
    pub fn know_jobs(&self, jobs: impl IntoIterator<Item = (JobId, ProjectId)>) {
        lock(&self.inner.jobs).extend(jobs);
    }

    /// Takes a place for a new stream of `person`, or says why there is none.
    pub fn open_stream(&self, person: UserId) -> Result<StreamPermit, StreamRefused> {
        let limits = self.inner.limits;
        let mut open = lock(&self.inner.open);
        if open.total >= limits.total {
            return Err(StreamRefused::Total(limits.total));
        }
        let mine = open.by_person.entry(person).or_default();
        if *mine >= limits.per_person {
            return Err(StreamRefused::PerPerson(limits.per_person));
        }
        *mine += 1;
        open.total += 1;
        Ok(StreamPermit {
            inner: Arc::clone(&self.inner),
            person,
        })
    }

    /// Whether a worker's heartbeat is worth an event: always when its status `changed`,
    /// otherwise when its facts were last told [`WORKER_FACTS_EVERY`] ago or more. True
    /// answers start the worker's window again.
    pub fn worker_news_due(&self, worker: WorkerId, changed: bool) -> bool {
        let mut told = lock(&self.inner.workers_told);
        let now = Instant::now();
        let due = changed
            || told
                .get(&worker)
                .is_none_or(|last| now.duration_since(*last) >= WORKER_FACTS_EVERY);
        if due {
            told.insert(worker, now);
        }
        due
    }

    /// Whose an event is; learns and forgets jobs' projects as jobs come and go.
    fn owner(&self, kind: &EventKind) -> Owner {
        if let EventKind::Notice { person, .. } = kind {
            return Owner::Person(*person);
        }
        let Some(job_id) = kind.job_id() else {
            return Owner::Farm;
        };
        let mut jobs = lock(&self.inner.jobs);
        match kind {
            EventKind::Job { job } => {
                jobs.insert(job.id, job.project_id);
                Owner::Project(job.project_id)
            }
            EventKind::JobDeleted { .. } => {
                jobs.remove(&job_id).map_or(Owner::Unknown, Owner::Project)
            }
            _ => jobs
                .get(&job_id)
                .copied()
                .map_or(Owner::Unknown, Owner::Project),
        }
    }

    /// Numbers an event, keeps it for replay and hands it to every stream that takes it. A
    /// job's progress may wait up to [`PROGRESS_EVERY`] behind a newer one of the same job.
    pub fn publish(&self, kind: EventKind) {
        let at = now_ms();
        match &kind {
            EventKind::JobProgress { job_id, .. } => {
                let job = *job_id;
                if let Some((kind, at)) = self.offer_progress(job, kind, at) {
                    self.send(kind, at);
                }
                return;
            }
            // A job's own news goes after the progress it had waiting, so no stream sees the
            // older progress last.
            EventKind::Job { job } => self.flush_progress(job.id, false),
            EventKind::JobDeleted { job_id } => self.flush_progress(*job_id, true),
            _ => {}
        }
        self.send(kind, at);
    }

    /// Publishes events in their order (see [`EventBus::publish`]).
    pub fn publish_all(&self, events: impl IntoIterator<Item = EventKind>) {
        for event in events {
            self.publish(event);
        }
    }

    /// A job's progress: to send now (returned), or kept as the window's latest.
    fn offer_progress(&self, job: JobId, kind: EventKind, at: i64) -> Option<(EventKind, i64)> {
        let mut windows = lock(&self.inner.progress);
        let window = windows.entry(job).or_default();
        let now = Instant::now();
        let open = window.sent.is_none_or(|sent| now >= sent + PROGRESS_EVERY);
        if open && window.pending.is_none() {
            window.sent = Some(now);
            return Some((kind, at));
        }
        window.pending = Some((kind, at));
        if window.scheduled {
            return None;
        }
        // Without a runtime (a unit test, a command-line tool) there is no one to send it
        // later, so it goes now.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            window.sent = Some(now);
            return window.pending.take();
        };
        window.scheduled = true;
        let due = window.sent.map_or(now, |sent| sent + PROGRESS_EVERY);
        let bus = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            bus.flush_progress(job, false);
        });
        None
    }

    /// Sends the progress `job` has waiting, if any; `forget` drops its window (the job is
    /// gone). Sent under the windows' lock, so the publisher, which sends a job's later news,
    /// cannot send it while the window's end is still sending older counts.
    fn flush_progress(&self, job: JobId, forget: bool) {
        let mut windows = lock(&self.inner.progress);
        let pending = if forget {
            windows.remove(&job).and_then(|w| w.pending)
        } else if let Some(window) = windows.get_mut(&job) {
            window.scheduled = false;
            let pending = window.pending.take();
            if pending.is_some() {
                window.sent = Some(Instant::now());
            }
            pending
        } else {
            None
        };
        if let Some((kind, at)) = pending {
            self.send(kind, at);
        }
    }

    fn send(&self, kind: EventKind, at: i64) {
        let owner = self.owner(&kind);
        let topic = kind.topic();
        // Serialised outside the lock; only the numbering is inside.
        let json = serde_json::to_vec(&kind).unwrap_or_else(|_| b"{}".to_vec());
        let job = kind.job_id();
        let mut state = lock(&self.inner.state);
        let seq = state.next_seq;
        state.next_seq += 1;
        let event = Arc::new(Published {
            frame: frame(seq, at, topic, &json),
            event: Event { seq, at, kind },
            owner,
        });
        if state.ring.len() == RING_SIZE {
            state.ring.pop_front();
        }
        state.ring.push_back(Arc::clone(&event));
        let Some(index) = topic_index(topic) else {
            // A resync: every stream.
            let mut seen = std::collections::HashSet::new();
            for queue in state
                .every_job
                .iter()
                .chain(state.one_job.iter().flat_map(|m| m.values()))
                .flatten()
            {
                if seen.insert(queue.id) {
                    deliver(queue, &event);
                }
            }
            return;
        };
        for queue in &state.every_job[index] {
            deliver(queue, &event);
        }
        if let Some(job) = job
            && let Some(queues) = state.one_job[index].get(&job)
        {
            for queue in queues {
                deliver(queue, &event);
            }
        }
    }

    /// Subscribes a stream taking what `filter` says; with `since`, it first gets what came
    /// after that of it from the ring.
    pub fn subscribe(&self, filter: Filter, since: Option<u64>) -> Subscription {
        let mut state = lock(&self.inner.state);
        let queue = Arc::new(Queue {
            id: state.next_stream,
            waiting: Mutex::new(Waiting::default()),
            ready: Notify::new(),
        });
        state.next_stream += 1;
        for (topic, routed) in routes(filter) {
            match routed {
                None => state.every_job[topic].push(Arc::clone(&queue)),
                Some(job) => state.one_job[topic]
                    .entry(job)
                    .or_default()
                    .push(Arc::clone(&queue)),
            }
        }
        let (replay, gap) = match since {
            None => (Vec::new(), false),
            Some(since) => {
                let oldest = state.ring.front().map_or(state.next_seq, |e| e.event.seq);
                let replay = state
                    .ring
                    .iter()
                    .filter(|e| e.event.seq > since && filter.wants(&e.event.kind))
                    .cloned()
                    .collect();
                (replay, since + 1 < oldest)
            }
        };
        Subscription {
            replay,
            gap,
            live: LiveEvents {
                bus: Arc::clone(&self.inner),
                filter,
                queue,
            },
        }
    }

    /// A resync event numbered as the last one published, for a stream that missed some:
    /// it is not kept in the ring, since it is that one stream's.
    pub fn resync(&self) -> Arc<Published> {
        let seq = self.next_seq().saturating_sub(1);
        let at = now_ms();
        let kind = EventKind::Resync;
        let json = serde_json::to_vec(&kind).unwrap_or_else(|_| b"{}".to_vec());
        Arc::new(Published {
            frame: frame(seq, at, kind.topic(), &json),
            event: Event { seq, at, kind },
            owner: Owner::Farm,
        })
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        lock(&self.inner.state).next_seq
    }
}

#[cfg(test)]
mod tests;
