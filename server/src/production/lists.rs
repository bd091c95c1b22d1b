//! The with-tasks lists Kitsu's production screens open (megabytes each on a big project),
//! kept once written. Everyone on a production opens the same lists again and again, so an
//! answer is kept, per person (each list says which tasks its reader follows), with the
//! store's [`production_version`] it was read at. A request may be sent any answer read at
//! or after the version it found when it came in: such an answer holds every write that had
//! been acknowledged by then, so nobody reads an answer older than a change they made or
//! were told of. Lists are written by at most [`BUILDERS`] requests at once; the requests
//! that waited for a turn meanwhile are sent the answer it wrote, so under a steady stream
//! of changes each list is written about once per change or per writing time, whichever is
//! longer, however many read it. A kept answer is shared, not copied, by the requests that
//! send it, and the answers kept are bounded in bytes.
//!
//! [`production_version`]: crate::store::Store::production_version

use crate::production::db::with_tasks::{Form, Kind};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Semaphore;

/// Lists written at once. Each takes a core while it runs, and holds its answer and the
/// pieces it is made of (about twice the answer) until done.
pub const BUILDERS: usize = 2;
/// Bytes of answers kept at most; the least recently sent go first.
const BUDGET_BYTES: usize = 96 * 1024 * 1024;

/// Which list, in which form, for whom.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The kind of entity listed.
    pub kind: Kind,
    /// The project.
    pub project: String,
    /// The episode it is narrowed to, if any.
    pub episode: Option<String>,
    /// Plain JSON or a stream.
    pub form: Form,
    /// The reader (the lists say which tasks they follow).
    pub person: String,
}

struct Kept {
    /// The production version the answer was read at (or after).
    version: u64,
    body: Bytes,
    /// When it was last sent, in [`Inner::clock`] ticks.
    used: u64,
}

#[derive(Default)]
struct Inner {
    kept: HashMap<Key, Kept>,
    bytes: usize,
    clock: u64,
}

/// The answers kept, and the gate on writing new ones.
pub struct Lists {
    inner: Mutex<Inner>,
    builders: Semaphore,
}

impl Default for Lists {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            builders: Semaphore::new(BUILDERS),
        }
    }
}

impl Lists {
    /// The answer kept for `key` if it was read at `at_least` (the version when the request
    /// came in) or later.
    pub fn get(&self, key: &Key, at_least: u64) -> Option<Bytes> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let kept = inner.kept.get_mut(key)?;
        if kept.version < at_least {
            return None;
        }
        kept.used = now;
        Some(kept.body.clone())
    }

    /// Waits for a turn to write a list.
    pub async fn builder(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.builders.acquire().await.ok()
    }

    /// Keeps `body`, read at `version`, unless an answer read later is kept. Answers of
    /// other lists read before `now` (the version at this moment) can only be sent to the
    /// requests still waiting for them, and go; then the least recently sent, to the budget.
    pub fn keep(&self, key: Key, version: u64, now: u64, body: Bytes) {
        if body.len() > BUDGET_BYTES / 4 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner
            .kept
            .get(&key)
            .is_some_and(|kept| kept.version >= version)
        {
            return;
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.kept.retain(|_, kept| kept.version >= now);
        inner.bytes = inner.kept.values().map(|kept| kept.body.len()).sum();
        while inner.bytes + body.len() > BUDGET_BYTES {
            let oldest = inner
                .kept
                .iter()
                .min_by_key(|(_, kept)| kept.used)
                .map(|(key, _)| key.clone());
            let Some(oldest) = oldest else { break };
            if let Some(gone) = inner.kept.remove(&oldest) {
                inner.bytes -= gone.body.len();
            }
        }
        inner.bytes += body.len();
        inner.kept.insert(
            key,
            Kept {
                version,
                body,
                used,
            },
        );
    }

    /// Bytes of answers kept now.
    #[cfg(test)]
    fn kept_bytes(&self) -> usize {
        self.inner.lock().map_or(0, |inner| inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(person: &str) -> Key {
        Key {
            kind: Kind::Shots,
            project: "p".into(),
            episode: None,
            form: Form::Plain,
            person: person.into(),
        }
    }

    #[test]
    fn an_answer_is_sent_to_requests_that_came_in_before_it_was_read() {
        let lists = Lists::default();
        lists.keep(key("a"), 3, 3, Bytes::from_static(b"[1]"));
        assert_eq!(lists.get(&key("a"), 3).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(lists.get(&key("a"), 2).as_deref(), Some(&b"[1]"[..]));
        assert_eq!(lists.get(&key("a"), 4), None, "a request after a change");
        assert_eq!(
            lists.get(&key("b"), 3),
            None,
            "another reader's list is theirs"
        );
    }

    #[test]
    fn an_answer_read_before_a_change_serves_who_waited_and_a_later_one_replaces_it() {
        let lists = Lists::default();
        // Read at 3; a write moved the version to 4 while it was being written.
        lists.keep(key("a"), 3, 4, Bytes::from_static(b"[1]"));
        assert!(
            lists.get(&key("a"), 3).is_some(),
            "who came in at 3 takes it"
        );
        assert!(lists.get(&key("a"), 4).is_none());
        lists.keep(key("a"), 4, 4, Bytes::from_static(b"[2]"));
        lists.keep(key("a"), 3, 4, Bytes::from_static(b"[1]"));
        assert_eq!(
            lists.get(&key("a"), 4).as_deref(),
            Some(&b"[2]"[..]),
            "an older answer never replaces a newer one"
        );
        assert_eq!(lists.kept_bytes(), 3);
    }

    #[test]
    fn a_new_version_drops_the_dead_answers_and_the_budget_holds() {
        let lists = Lists::default();
        lists.keep(key("a"), 1, 1, Bytes::from_static(b"old"));
        lists.keep(key("b"), 2, 2, Bytes::from_static(b"new"));
        assert_eq!(lists.kept_bytes(), 3, "the answer of version 1 went");
        let big = BUDGET_BYTES / 4;
        for n in 0..8 {
            lists.keep(key(&n.to_string()), 2, 2, Bytes::from(vec![b' '; big]));
        }
        assert!(lists.kept_bytes() <= BUDGET_BYTES);
        assert!(lists.get(&key("7"), 2).is_some(), "the newest stays");
        assert!(
            lists.get(&key("0"), 2).is_none(),
            "the least recently sent went"
        );
    }
}
