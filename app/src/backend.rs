//! The bridge between the UI thread and everything slow: a tokio runtime on background
//! threads runs each request, and one bounded channel brings the results back as `Msg`s, each
//! followed by `request_repaint` so they show without the mouse moving. The UI drains the
//! channel once a frame and never waits on it. Each message carries the session it was asked
//! for, so what a left farm answers late never lands in the next one.

use crate::msg::Msg;
use std::future::Future;
use std::sync::{Arc, OnceLock};

/// How many results may wait for the UI before senders wait: a full queue slows the network
/// side down instead of growing memory.
const INBOX_SIZE: usize = 1024;

/// Which connection a message belongs to: a new one each time the app connects or leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionTag(u64);

/// Sends results to the UI and wakes it.
#[derive(Clone)]
pub struct Emitter {
    tx: tokio::sync::mpsc::Sender<(SessionTag, Msg)>,
    ctx: Arc<OnceLock<egui::Context>>,
    /// The session current when the work was started.
    tag: SessionTag,
}

impl Emitter {
    /// Sends one message and repaints; false when the UI is gone.
    pub async fn send(&self, msg: Msg) -> bool {
        let sent = self.tx.send((self.tag, msg)).await.is_ok();
        if let Some(ctx) = self.ctx.get() {
            ctx.request_repaint();
        }
        sent
    }
}

impl Emitter {
    /// Sends one message if the queue has room, without waiting, and repaints; for news that
    /// a later message makes old (a download's progress), which may be dropped.
    pub fn offer(&self, msg: Msg) {
        let _ = self.tx.try_send((self.tag, msg));
        if let Some(ctx) = self.ctx.get() {
            ctx.request_repaint();
        }
    }
}

/// The UI's end of the channel.
pub struct Inbox(tokio::sync::mpsc::Receiver<(SessionTag, Msg)>);

impl Inbox {
    /// The next waiting message with the session it was asked for, without blocking.
    pub fn try_next(&mut self) -> Option<(SessionTag, Msg)> {
        self.0.try_recv().ok()
    }
}

/// The background runtime and the way back to the UI.
pub struct Backend {
    runtime: tokio::runtime::Runtime,
    emitter: Emitter,
}

impl Backend {
    /// Starts the runtime (two named threads).
    pub fn new() -> std::io::Result<(Self, Inbox)> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("drover-bg")
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::mpsc::channel(INBOX_SIZE);
        let emitter = Emitter {
            tx,
            ctx: Arc::new(OnceLock::new()),
            tag: SessionTag::default(),
        };
        Ok((Self { runtime, emitter }, Inbox(rx)))
    }

    /// The session that work started now belongs to.
    pub fn session(&self) -> SessionTag {
        self.emitter.tag
    }

    /// Starts a new session (on connecting and on leaving): messages of work started before
    /// carry the old tag.
    pub fn next_session(&mut self) {
        self.emitter.tag = SessionTag(self.emitter.tag.0 + 1);
    }

    /// Tells the background which context to repaint (once, from the first frame).
    pub fn attach(&self, ctx: &egui::Context) {
        let _ = self.emitter.ctx.set(ctx.clone());
    }

    /// Runs `work` in the background; its message reaches the UI.
    pub fn spawn(&self, work: impl Future<Output = Msg> + Send + 'static) {
        let emitter = self.emitter.clone();
        self.runtime.spawn(async move {
            let msg = work.await;
            emitter.send(msg).await;
        });
    }

    /// Queues `msg` for the UI at once, as finished work would, for the session current now;
    /// false when the queue is full. Tests use it to make a message arrive at a chosen moment.
    pub fn send_now(&self, msg: Msg) -> bool {
        self.emitter.tx.try_send((self.emitter.tag, msg)).is_ok()
    }

    /// Runs a long-lived task that sends as it goes; abort it with the handle.
    pub fn spawn_stream<F, Fut>(&self, work: F) -> tokio::task::JoinHandle<()>
    where
        F: FnOnce(Emitter) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.runtime.spawn(work(self.emitter.clone()))
    }

    /// Blocks on `work`: only for shutting down at exit, never from a frame.
    pub fn block_on<T>(&self, work: impl Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_session_their_work_started_in() {
        let (mut backend, mut inbox) = Backend::new().unwrap();
        let first = backend.session();
        backend.spawn(async { Msg::Info("from the first farm".into()) });
        backend.next_session();
        let second = backend.session();
        assert_ne!(first, second);
        backend.spawn(async { Msg::Info("from the second farm".into()) });
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while got.len() < 2 && std::time::Instant::now() < deadline {
            match inbox.try_next() {
                Some((tag, Msg::Info(text))) => got.push((tag, text)),
                Some(_) => panic!("an unexpected message"),
                None => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
        got.sort_by_key(|(tag, _)| tag.0);
        assert_eq!(
            got,
            [
                (first, "from the first farm".to_owned()),
                (second, "from the second farm".to_owned())
            ]
        );
    }
}
