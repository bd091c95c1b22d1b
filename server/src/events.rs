//! The event bus behind `GET /api/events`: every change worth showing live is published here
//! after its write committed, numbered, kept in a ring for clients that reconnect, and
//! broadcast to the connected ones.
//!
//! Each event carries whose it is ([`Owner`]: the farm as a whole, or a job's project), so a
//! stream shows a person only the projects whose team they are on. The bus keeps every job's
//! project in memory (read at start, learnt from each new job's event): a job's project never
//! changes, and the owner is fixed when the event is published, before a deletion forgets it.
//!
//! Open streams are counted per person and in all ([`StreamLimits`]): each holds a connection
//! and a place in the broadcast, so neither one account nor everyone together may open them
//! without bound.

use drover_shared::events::{Event, EventKind};
use drover_shared::{JobId, ProjectId, UserId};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept for replay to clients that reconnect.
const RING_SIZE: usize = 8192;
/// Events a slow client may lag behind before it is told to resync.
const CHANNEL_SIZE: usize = 4096;

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

/// An event as the bus keeps it: numbered, with its owner.
#[derive(Debug)]
pub struct Published {
    /// The event as clients get it.
    pub event: Event,
    /// Whose it is.
    pub owner: Owner,
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

/// Publishes and replays events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<Published>>,
    ring: Mutex<Ring>,
    /// Every job's project.
    jobs: Mutex<HashMap<JobId, ProjectId>>,
    limits: StreamLimits,
    open: Mutex<OpenStreams>,
}

#[derive(Default)]
struct OpenStreams {
    total: usize,
    by_person: HashMap<UserId, usize>,
}

struct Ring {
    next_seq: u64,
    events: VecDeque<Arc<Published>>,
}

/// What a new subscriber gets: the missed events, then the live stream.
pub struct Subscription {
    /// Events after the asked-for sequence number, oldest first.
    pub replay: Vec<Arc<Published>>,
    /// True when some asked-for events were already dropped from the ring.
    pub gap: bool,
    /// Live events from here on.
    pub live: broadcast::Receiver<Arc<Published>>,
}

/// One open stream's place in the count; given back when dropped (the client went away).
pub struct StreamPermit {
    inner: Arc<Inner>,
    person: UserId,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self
            .inner
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_person.get_mut(&self.person) {
            *n -= 1;
            if *n == 0 {
                open.by_person.remove(&self.person);
            }
        }
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(StreamLimits::default())
    }
}

impl EventBus {
    /// A bus whose streams are limited as `limits` says.
    pub fn new(limits: StreamLimits) -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_SIZE);
        Self {
            inner: Arc::new(Inner {
                sender,
                ring: Mutex::new(Ring {
                    next_seq: 1,
                    events: VecDeque::with_capacity(RING_SIZE),
                }),
                jobs: Mutex::new(HashMap::new()),
                limits,
                open: Mutex::new(OpenStreams::default()),
            }),
        }
    }

    /// Learns the projects of existing jobs (at start).
    pub fn know_jobs(&self, jobs: impl IntoIterator<Item = (JobId, ProjectId)>) {
        let mut map = self
            .inner
            .jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.extend(jobs);
    }

    /// Takes a place for a new stream of `person`, or says why there is none.
    pub fn open_stream(&self, person: UserId) -> Result<StreamPermit, StreamRefused> {
        let limits = self.inner.limits;
        let mut open = self
            .inner
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

    /// Whose an event is; learns and forgets jobs' projects as jobs come and go.
    fn owner(&self, kind: &EventKind) -> Owner {
        if let EventKind::Notice { person, .. } = kind {
            return Owner::Person(*person);
        }
        let Some(job_id) = kind.job_id() else {
            return Owner::Farm;
        };
        let mut jobs = self
            .inner
            .jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

    /// Numbers an event, keeps it for replay and sends it to every subscriber.
    pub fn publish(&self, kind: EventKind) {
        let owner = self.owner(&kind);
        let Ok(mut ring) = self.inner.ring.lock() else {
            return;
        };
        let event = Arc::new(Published {
            event: Event {
                seq: ring.next_seq,
                kind,
            },
            owner,
        });
        ring.next_seq += 1;
        if ring.events.len() == RING_SIZE {
            ring.events.pop_front();
        }
        ring.events.push_back(Arc::clone(&event));
        // Sent under the lock so subscribers see events in sequence order. No receiver is fine.
        let _ = self.inner.sender.send(event);
    }

    /// Subscribes; with `since`, first replays what came after it.
    pub fn subscribe(&self, since: Option<u64>) -> Subscription {
        let ring = self
            .inner
            .ring
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let live = self.inner.sender.subscribe();
        let Some(since) = since else {
            return Subscription {
                replay: Vec::new(),
                gap: false,
                live,
            };
        };
        let oldest = ring.events.front().map_or(ring.next_seq, |e| e.event.seq);
        let replay = ring
            .events
            .iter()
            .filter(|e| e.event.seq > since)
            .cloned()
            .collect();
        Subscription {
            replay,
            gap: since + 1 < oldest,
            live,
        }
    }

    /// The sequence number the next event will get.
    pub fn next_seq(&self) -> u64 {
        self.inner.ring.lock().map_or(0, |r| r.next_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::JobId;

    #[test]
    fn numbers_replays_and_reports_gaps() {
        let bus = EventBus::default();
        for id in 1..=3 {
            bus.publish(EventKind::JobDeleted { job_id: JobId(id) });
        }
        let sub = bus.subscribe(Some(1));
        assert_eq!(
            sub.replay.iter().map(|e| e.event.seq).collect::<Vec<_>>(),
            [2, 3]
        );
        assert!(!sub.gap);
        let mut live = sub.live;
        bus.publish(EventKind::Resync);
        assert_eq!(live.try_recv().unwrap().event.seq, 4);
        for _ in 0..RING_SIZE {
            bus.publish(EventKind::Resync);
        }
        assert!(bus.subscribe(Some(1)).gap);
    }

    #[test]
    fn events_carry_their_jobs_project_until_the_job_is_deleted() {
        let bus = EventBus::default();
        bus.know_jobs([(JobId(1), ProjectId(7))]);
        let mut live = bus.subscribe(None).live;
        bus.publish(EventKind::LastRendered {
            job_id: JobId(1),
            task_id: drover_shared::TaskId(1),
        });
        bus.publish(EventKind::JobDeleted { job_id: JobId(1) });
        bus.publish(EventKind::JobDeleted { job_id: JobId(1) });
        bus.publish(EventKind::Resync);
        let owners: Vec<Owner> = (0..4).map(|_| live.try_recv().unwrap().owner).collect();
        assert_eq!(
            owners,
            [
                Owner::Project(ProjectId(7)),
                Owner::Project(ProjectId(7)),
                Owner::Unknown,
                Owner::Farm
            ]
        );
    }

    #[test]
    fn streams_are_limited_per_person_and_in_all() {
        let bus = EventBus::new(StreamLimits {
            per_person: 2,
            total: 3,
        });
        let (a, b) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let first = bus.open_stream(a).unwrap();
        let _second = bus.open_stream(a).unwrap();
        assert_eq!(bus.open_stream(a).err(), Some(StreamRefused::PerPerson(2)));
        let _third = bus.open_stream(b).unwrap();
        assert_eq!(bus.open_stream(b).err(), Some(StreamRefused::Total(3)));
        drop(first);
        assert!(bus.open_stream(a).is_ok());
    }
}
