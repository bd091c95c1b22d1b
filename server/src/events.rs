//! The event bus behind `GET /api/events`: every change worth showing live is published here
//! after its write committed, numbered, kept in a ring for clients that reconnect, and
//! broadcast to the connected ones.

use drover_shared::events::{Event, EventKind};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept for replay to clients that reconnect.
const RING_SIZE: usize = 8192;
/// Events a slow client may lag behind before it is told to resync.
const CHANNEL_SIZE: usize = 4096;

/// Publishes and replays events. Cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<Event>>,
    ring: Mutex<Ring>,
}

struct Ring {
    next_seq: u64,
    events: VecDeque<Arc<Event>>,
}

/// What a new subscriber gets: the missed events, then the live stream.
pub struct Subscription {
    /// Events after the asked-for sequence number, oldest first.
    pub replay: Vec<Arc<Event>>,
    /// True when some asked-for events were already dropped from the ring.
    pub gap: bool,
    /// Live events from here on.
    pub live: broadcast::Receiver<Arc<Event>>,
}

impl Default for EventBus {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_SIZE);
        Self {
            inner: Arc::new(Inner {
                sender,
                ring: Mutex::new(Ring {
                    next_seq: 1,
                    events: VecDeque::with_capacity(RING_SIZE),
                }),
            }),
        }
    }
}

impl EventBus {
    /// Numbers an event, keeps it for replay and sends it to every subscriber.
    pub fn publish(&self, kind: EventKind) {
        let Ok(mut ring) = self.inner.ring.lock() else {
            return;
        };
        let event = Arc::new(Event {
            seq: ring.next_seq,
            kind,
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
        let oldest = ring.events.front().map_or(ring.next_seq, |e| e.seq);
        let replay = ring
            .events
            .iter()
            .filter(|e| e.seq > since)
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
        assert_eq!(sub.replay.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        assert!(!sub.gap);
        let mut live = sub.live;
        bus.publish(EventKind::Resync);
        assert_eq!(live.try_recv().unwrap().seq, 4);
        for _ in 0..RING_SIZE {
            bus.publish(EventKind::Resync);
        }
        assert!(bus.subscribe(Some(1)).gap);
    }
}
