//! The live streams of a connected farm: `/api/events` (the farm's jobs, workers, previews and
//! notices, and the open job's tasks and logs), followed until dropped, reconnecting with
//! backoff and resuming from the last event seen.

use super::requests::readable;
use crate::backend::{Backend, Emitter};
use crate::msg::{Msg, StreamState};
use drover_shared::events::EventQuery;
use drover_shared::{Client, JobId};
use std::time::Duration;

/// Longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A stream being followed; it stops when this is dropped.
pub struct Following(tokio::task::JoinHandle<()>);

impl Drop for Following {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Following {
    /// Any long piece of work that sends as it goes (a Save all), stopped when dropped.
    pub fn work<Fut>(backend: &Backend, work: impl FnOnce(Emitter) -> Fut) -> Self
    where
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        Self(backend.spawn_stream(work))
    }

    /// The farm's jobs, workers, last-rendered previews and the person's notices. Tasks come
    /// only with the open job ([`Self::job`]): a busy farm changes thousands of tasks a second,
    /// and the app shows those of one job.
    pub fn events(backend: &Backend, client: Client) -> Self {
        Self(backend.spawn_stream(move |emitter| {
            let query = EventQuery {
                topics: Some("jobs,workers,last_rendered,notices".into()),
                job_id: None,
                since: None,
            };
            follow(client, query, emitter)
        }))
    }

    /// One job's tasks and their log lines.
    pub fn job(backend: &Backend, client: Client, job_id: JobId) -> Self {
        Self(backend.spawn_stream(move |emitter| {
            let query = EventQuery {
                topics: Some("tasks,logs".into()),
                job_id: Some(job_id),
                since: None,
            };
            follow(client, query, emitter)
        }))
    }
}

/// Follows `/api/events` until aborted, reconnecting with backoff; resumes from the last
/// sequence number so nothing is missed (the server says `resync` when it cannot replay).
async fn follow(client: Client, mut query: EventQuery, emitter: Emitter) {
    let mut attempt = 0u32;
    loop {
        let error = match client.events(&query).await {
            Ok(mut stream) => {
                attempt = 0;
                if !emitter.send(Msg::Stream(StreamState::Live)).await {
                    return;
                }
                loop {
                    match stream.next().await {
                        Some(Ok(event)) => {
                            query.since = Some(event.seq);
                            if !emitter.send(Msg::Event(event)).await {
                                return;
                            }
                        }
                        Some(Err(e)) => break readable(&e),
                        None => break "the server closed the event stream".to_owned(),
                    }
                }
            }
            Err(e) => readable(&e),
        };
        attempt += 1;
        let state = StreamState::Reconnecting { attempt, error };
        if !emitter.send(Msg::Stream(state)).await {
            return;
        }
        let backoff = Duration::from_millis(250 * 2u64.pow(attempt.min(6))).min(MAX_BACKOFF);
        tokio::time::sleep(backoff).await;
    }
}
