//! The streams' side of the bus: what a stream takes ([`Filter`]), its queue, and the wait
//! for its next batch.

use super::{Inner, JobId, Published, QUEUE_SIZE, TOPICS, lock};
use drover_shared::events::EventKind;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What a stream takes: some topics, of every job or of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    /// Bit `i` set: the stream takes `TOPICS[i]`.
    topics: u8,
    /// Only the events of this job, of the topics that are a job's.
    job: Option<JobId>,
}

impl Filter {
    /// A filter of the named topics (unknown names are the caller's to refuse) and job.
    pub fn new<'a>(topics: impl IntoIterator<Item = &'a str>, job: Option<JobId>) -> Self {
        let topics = topics
            .into_iter()
            .filter_map(topic_index)
            .fold(0u8, |bits, i| bits | 1 << i);
        Self { topics, job }
    }

    /// True when the stream takes `kind` (a resync always).
    pub fn wants(&self, kind: &EventKind) -> bool {
        let Some(topic) = topic_index(kind.topic()) else {
            return true;
        };
        self.topics & (1 << topic) != 0
            && (self.job.is_none() || kind.job_id().is_none_or(|j| Some(j) == self.job))
    }
}

pub(super) fn topic_index(name: &str) -> Option<usize> {
    TOPICS.iter().position(|t| *t == name)
}

/// Whether events of a topic are about one job (and so routed by job).
pub(super) fn topic_has_job(topic: usize) -> bool {
    !matches!(TOPICS[topic], "workers" | "notices")
}

/// One stream's waiting events.
pub struct Queue {
    pub(super) id: u64,
    pub(super) waiting: Mutex<Waiting>,
    pub(super) ready: Notify,
}

#[derive(Default)]
pub(super) struct Waiting {
    pub(super) events: Vec<Arc<Published>>,
    /// More than [`QUEUE_SIZE`] piled up: the stream must resync.
    pub(super) overflowed: bool,
}

/// What one wait on a stream's queue brings.
pub enum Batch {
    /// Events, oldest first.
    Events(Vec<Arc<Published>>),
    /// The stream fell too far behind: what it missed is gone.
    Overflowed,
}

/// What a new subscriber gets: the missed events, then its live queue.
pub struct Subscription {
    /// Events after the asked-for sequence number that the filter takes, oldest first.
    pub replay: Vec<Arc<Published>>,
    /// True when some asked-for events were already dropped from the ring.
    pub gap: bool,
    /// Live events from here on; the stream leaves the bus when this is dropped.
    pub live: LiveEvents,
}

/// A stream's place on the bus: its queue, taken out of the index when dropped.
pub struct LiveEvents {
    pub(super) bus: Arc<Inner>,
    pub(super) filter: Filter,
    pub(super) queue: Arc<Queue>,
}

impl LiveEvents {
    /// Waits for events, then takes every one waiting.
    pub async fn next(&self) -> Batch {
        loop {
            let ready = self.queue.ready.notified();
            if let Some(batch) = self.try_next() {
                return batch;
            }
            ready.await;
        }
    }

    /// Takes every event waiting, if any.
    pub fn try_next(&self) -> Option<Batch> {
        let mut waiting = lock(&self.queue.waiting);
        if std::mem::take(&mut waiting.overflowed) {
            return Some(Batch::Overflowed);
        }
        if waiting.events.is_empty() {
            return None;
        }
        Some(Batch::Events(std::mem::take(&mut waiting.events)))
    }
}

impl Drop for LiveEvents {
    fn drop(&mut self) {
        let mut state = lock(&self.bus.state);
        let id = self.queue.id;
        for (topic, routed) in routes(self.filter) {
            let list = match routed {
                None => Some(&mut state.every_job[topic]),
                Some(job) => state.one_job[topic].get_mut(&job),
            };
            if let Some(list) = list {
                list.retain(|q| q.id != id);
                if list.is_empty()
                    && let Some(job) = routed
                {
                    state.one_job[topic].remove(&job);
                }
            }
        }
    }
}

/// Where a filter's stream is indexed: each topic it takes, with the job it is routed by.
pub(super) fn routes(filter: Filter) -> impl Iterator<Item = (usize, Option<JobId>)> {
    (0..TOPICS.len())
        .filter(move |t| filter.topics & (1 << t) != 0)
        .map(move |t| (t, filter.job.filter(|_| topic_has_job(t))))
}

/// Puts an event in a stream's queue, waking the stream if the queue was empty (a stream
/// with events waiting has been woken already and takes them all).
pub(super) fn deliver(queue: &Queue, event: &Arc<Published>) {
    let mut waiting = lock(&queue.waiting);
    if waiting.overflowed {
        return;
    }
    if waiting.events.len() >= QUEUE_SIZE {
        waiting.events = Vec::new();
        waiting.overflowed = true;
        return;
    }
    let was_empty = waiting.events.is_empty();
    waiting.events.push(Arc::clone(event));
    drop(waiting);
    if was_empty {
        queue.ready.notify_one();
    }
}
