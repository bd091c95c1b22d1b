//! A fair queue for slow shared work (ffmpeg runs): a few turns at once, handed out
//! round-robin between the people waiting (whoever was served longest ago goes next) rather
//! than first come first served, and no person holding more than their share of the turns. One person's long movie, or their batch of
//! fifty, then delays only their own previews: everyone else's next movie goes in the next
//! free turn, or in the turns that person may not take.
//!
//! Waiting is asynchronous (a oneshot channel), so a queued upload holds no thread; the work
//! itself runs on the blocking pool only once its turn has come.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// Why no turn was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Full {
    /// This person already has as many runs waiting as one person may.
    #[error("you already have {0} movies waiting to be converted; send more when they are done")]
    Person(usize),
    /// The queue holds as many waiting runs as it may.
    #[error("the server has {0} movies waiting to be converted; try again in a few minutes")]
    Everyone(usize),
}

/// How many turns a queue gives at once and how many runs may wait.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Runs at once, for everyone together.
    pub slots: usize,
    /// Runs at once for one person.
    pub per_person: usize,
    /// Runs one person may have waiting.
    pub waiting_per_person: usize,
    /// Runs that may wait, for everyone together.
    pub waiting: usize,
}

/// A fair queue; cheap to clone (the clones share it).
#[derive(Clone)]
pub struct FairQueue {
    shared: Arc<Shared>,
}

struct Shared {
    sizes: Sizes,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Runs in progress, by person.
    running: HashMap<String, usize>,
    /// Runs in progress, in all.
    running_total: usize,
    /// The waiting runs of each person, oldest first.
    waiting: HashMap<String, VecDeque<oneshot::Sender<Turn>>>,
    /// The people with waiting runs, in the order they started waiting.
    ring: VecDeque<String>,
    /// Waiting runs, in all.
    waiting_total: usize,
    /// Turns handed out so far: the clock of `last_served`.
    served: u64,
    /// When each person running or waiting was last given a turn.
    last_served: HashMap<String, u64>,
}

/// A turn: the run may go on while it is held; dropping it gives the turn to the next person.
pub struct Turn {
    shared: Arc<Shared>,
    person: String,
    /// Whether dropping it frees a turn (false for a turn that was never handed out).
    counted: bool,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        let mut state = self.shared.lock();
        state.finished(&self.person);
        self.shared.hand_out(&mut state);
    }
}

impl FairQueue {
    /// A queue of these sizes (each at least 1).
    pub fn new(sizes: Sizes) -> Self {
        let sizes = Sizes {
            slots: sizes.slots.max(1),
            per_person: sizes.per_person.max(1),
            waiting_per_person: sizes.waiting_per_person.max(1),
            waiting: sizes.waiting.max(1),
        };
        Self {
            shared: Arc::new(Shared {
                sizes,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Waits for `person`'s turn, behind the people already waiting (taken in turn, one run
    /// each). Refuses at once when too many runs wait already.
    pub async fn turn(&self, person: &str) -> Result<Turn, Full> {
        let receiver = {
            let mut state = self.shared.lock();
            let sizes = self.shared.sizes;
            state.forget_abandoned(person);
            let mine = state.waiting.get(person).map_or(0, VecDeque::len);
            if mine >= sizes.waiting_per_person {
                return Err(Full::Person(mine));
            }
            if state.waiting_total >= sizes.waiting {
                return Err(Full::Everyone(state.waiting_total));
            }
            let (sender, receiver) = oneshot::channel();
            let queue = state.waiting.entry(person.to_owned()).or_default();
            queue.push_back(sender);
            if queue.len() == 1 {
                state.ring.push_back(person.to_owned());
            }
            state.waiting_total += 1;
            self.shared.hand_out(&mut state);
            receiver
        };
        // The sender is only dropped with a turn sent or by a queue that is gone, and the
        // queue lives as long as any of its clones or turns.
        receiver.await.map_err(|_| Full::Everyone(0))
    }

    /// Runs in progress and runs waiting, for everyone.
    #[cfg(test)]
    fn counts(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.running_total, state.waiting_total)
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives free turns to the waiting runs, one person after the other: of the people who
    /// may run one more, the one served longest ago (or never) gets a turn for their oldest
    /// run; ties go to whoever started waiting first.
    fn hand_out(self: &Arc<Self>, state: &mut State) {
        while state.running_total < self.sizes.slots {
            let next = state
                .ring
                .iter()
                .enumerate()
                .filter(|(_, person)| {
                    state.running.get(*person).copied().unwrap_or(0) < self.sizes.per_person
                })
                .min_by_key(|(at, person)| {
                    (state.last_served.get(*person).copied().unwrap_or(0), *at)
                })
                .map(|(at, _)| at);
            let Some(person) = next.and_then(|at| state.ring.remove(at)) else {
                return;
            };
            let Some(queue) = state.waiting.get_mut(&person) else {
                continue;
            };
            let sender = queue.pop_front();
            if queue.is_empty() {
                state.waiting.remove(&person);
            } else {
                state.ring.push_back(person.clone());
            }
            let Some(sender) = sender else {
                continue;
            };
            state.waiting_total -= 1;
            *state.running.entry(person.clone()).or_insert(0) += 1;
            state.running_total += 1;
            state.served += 1;
            state.last_served.insert(person.clone(), state.served);
            let turn = Turn {
                shared: Arc::clone(self),
                person,
                counted: true,
            };
            if let Err(mut unwanted) = sender.send(turn) {
                // The upload stopped waiting (its request ended): the turn goes to the next.
                unwanted.counted = false;
                state.finished(&unwanted.person);
            }
        }
    }
}

impl State {
    /// Drops the person's waiting runs whose requests ended, so they count against no limit.
    fn forget_abandoned(&mut self, person: &str) {
        let Some(queue) = self.waiting.get_mut(person) else {
            return;
        };
        let before = queue.len();
        queue.retain(|sender| !sender.is_closed());
        self.waiting_total -= before - queue.len();
        if queue.is_empty() {
            self.waiting.remove(person);
            self.ring.retain(|p| p != person);
            if !self.running.contains_key(person) {
                self.last_served.remove(person);
            }
        }
    }

    fn finished(&mut self, person: &str) {
        self.running_total -= 1;
        if let Some(count) = self.running.get_mut(person) {
            *count -= 1;
            if *count == 0 {
                self.running.remove(person);
                // Someone with nothing running or waiting competes with no one: forgotten.
                if !self.waiting.contains_key(person) {
                    self.last_served.remove(person);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn queue(slots: usize, per_person: usize, waiting_per_person: usize) -> FairQueue {
        FairQueue::new(Sizes {
            slots,
            per_person,
            waiting_per_person,
            waiting: 100,
        })
    }

    /// Starts waiting for a turn; the task reports its name when it gets one, then holds
    /// the turn until told to let go.
    fn wait(
        queue: &FairQueue,
        person: &'static str,
        name: &'static str,
        started: &tokio::sync::mpsc::Sender<&'static str>,
    ) -> oneshot::Sender<()> {
        let (done, finished) = oneshot::channel::<()>();
        let (queue, started) = (queue.clone(), started.clone());
        tokio::spawn(async move {
            let turn = queue.turn(person).await.unwrap();
            started.send(name).await.unwrap();
            let _ = finished.await;
            drop(turn);
        });
        done
    }

    /// Room for every turn a test reports (none starts more than five).
    const TURNS: usize = 8;

    async fn settle() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    #[tokio::test]
    async fn people_take_turns_instead_of_first_come_first_served() {
        let q = queue(1, 1, 10);
        let (tx, mut rx) = tokio::sync::mpsc::channel(TURNS);
        let mut done = vec![wait(&q, "ann", "ann 1", &tx)];
        settle().await;
        // Ann queues three more movies, then Bob one: Bob's goes right after Ann's first.
        for name in ["ann 2", "ann 3", "ann 4"] {
            done.push(wait(&q, "ann", name, &tx));
            settle().await;
        }
        done.push(wait(&q, "bob", "bob 1", &tx));
        settle().await;
        let mut order = Vec::new();
        for _ in 0..5 {
            let name = rx.recv().await.unwrap();
            order.push(name);
            // Let the run that just started finish.
            let index = ["ann 1", "ann 2", "ann 3", "ann 4", "bob 1"]
                .iter()
                .position(|n| *n == name)
                .unwrap();
            let _ = std::mem::replace(&mut done[index], oneshot::channel().0).send(());
        }
        assert_eq!(order, ["ann 1", "bob 1", "ann 2", "ann 3", "ann 4"]);
        settle().await;
        assert_eq!(q.counts(), (0, 0));
    }

    #[tokio::test]
    async fn one_person_never_holds_every_turn() {
        let q = queue(2, 1, 10);
        let (tx, mut rx) = tokio::sync::mpsc::channel(TURNS);
        let _ann = [wait(&q, "ann", "ann 1", &tx), wait(&q, "ann", "ann 2", &tx)];
        settle().await;
        assert_eq!(rx.recv().await, Some("ann 1"));
        assert!(
            rx.try_recv().is_err(),
            "Ann's second waits though a turn is free"
        );
        let _bob = wait(&q, "bob", "bob 1", &tx);
        assert_eq!(rx.recv().await, Some("bob 1"));
        assert_eq!(q.counts(), (2, 1));
    }

    #[tokio::test]
    async fn a_person_may_queue_up_to_the_limit_and_no_more() {
        let q = queue(1, 1, 2);
        let (tx, mut rx) = tokio::sync::mpsc::channel(TURNS);
        let _running = wait(&q, "ann", "running", &tx);
        assert_eq!(rx.recv().await, Some("running"));
        // Two may wait (the limit); the third is refused at once.
        let _waiting = [wait(&q, "ann", "w1", &tx), wait(&q, "ann", "w2", &tx)];
        settle().await;
        assert_eq!(q.counts(), (1, 2));
        assert_eq!(q.turn("ann").await.err(), Some(Full::Person(2)));
        // Someone else may still queue.
        let _bob = wait(&q, "bob", "bob", &tx);
        settle().await;
        assert_eq!(q.counts(), (1, 3));
    }

    #[tokio::test]
    async fn a_request_that_stops_waiting_gives_its_turn_away() {
        let q = queue(1, 1, 10);
        let (tx, mut rx) = tokio::sync::mpsc::channel(TURNS);
        let first = wait(&q, "ann", "first", &tx);
        assert_eq!(rx.recv().await, Some("first"));
        // Bob's request ends while it waits (the client went away).
        let gone = tokio::spawn({
            let q = q.clone();
            async move { q.turn("bob").await.map(drop) }
        });
        settle().await;
        gone.abort();
        let _ = gone.await;
        let _carl = wait(&q, "carl", "carl", &tx);
        settle().await;
        first.send(()).unwrap();
        assert_eq!(rx.recv().await, Some("carl"));
        assert_eq!(q.counts(), (1, 0));
    }
}
