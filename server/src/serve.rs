//! The accept loop: HTTP/1.1 connections served by hyper with the limits `axum::serve` does
//! not set.
//!
//! - **A header-read timeout** ([`ConnectionLimits::header_read_secs`]): once a request's first
//!   byte arrives, the client has that long to send the rest of its head. A slow-loris client
//!   that trickles its headers is closed; a long-poll or an event stream, whose head came at
//!   once, is not affected.
//! - **An idle timeout** ([`ConnectionLimits::idle_secs`]), longer: a keep-alive connection
//!   with no request in flight and no byte of the next one is closed after it. It is kept apart
//!   from the header timeout because a client reusing a pooled connection races the server
//!   closing it (python-requests then fails with "Remote end closed connection without
//!   response"); the longer a connection may idle, the rarer that race, while a trickled head
//!   is still cut short.
//! - **A ceiling on open connections** ([`ConnectionLimits::max_connections`]): past it the
//!   server stops accepting (new clients wait in the kernel's backlog) instead of running out
//!   of file descriptors, which would also stop its own files and database.
//! - **Small bodies read whole before the answer** ([`READ_AHEAD_BYTES`]): a handler that
//!   needs no body (`PUT …/set-main-preview` with gazu's `{}`) would answer before the body's
//!   bytes arrived, and hyper, unable to drain them at once, closes the connection after the
//!   answer, racing the client that reuses it ("Remote end closed connection without
//!   response" in python-requests, which sends a body apart from its head).
//! - **A bounded shutdown**: connections finish what they are doing for at most
//!   [`SHUTDOWN_GRACE`] (event streams never finish by themselves), then are dropped.
//!
//! Every request gets the peer's address as [`axum::extract::ConnectInfo`].

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// Request bodies up to this size, by their `Content-Length`, are read whole before the
/// request is served, so a handler that ignores its body never leaves bytes behind that would
/// cost the connection. Larger ones (uploads) stream to their handlers, which read them.
pub const READ_AHEAD_BYTES: usize = 64 * 1024;

/// `request` with its body read whole when it is small ([`READ_AHEAD_BYTES`]). A body the
/// client broke off is handed on as the bytes that did arrive followed by the error, so a
/// resumable upload keeps what was sent before the break, as it does when it streams.
async fn read_small_body(request: hyper::Request<Body>) -> hyper::Request<Body> {
    use futures_util::StreamExt;
    let small = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|length| length > 0 && length <= READ_AHEAD_BYTES);
    if !small {
        return request;
    }
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Result<Bytes, axum::Error>> = Vec::new();
    let mut read = 0usize;
    while let Some(chunk) = stream.next().await {
        let failed = chunk.is_err();
        read += chunk.as_ref().map_or(0, Bytes::len);
        chunks.push(chunk);
        // hyper itself refuses more bytes than the Content-Length said; the bound is for sure.
        if failed || read > READ_AHEAD_BYTES {
            break;
        }
    }
    let body = if read > READ_AHEAD_BYTES {
        // Cannot happen with hyper's length check; hand the rest on unread rather than guess.
        Body::from_stream(futures_util::stream::iter(chunks).chain(stream))
    } else if chunks.iter().all(Result::is_ok) {
        let mut whole = Vec::with_capacity(read);
        for chunk in chunks.into_iter().flatten() {
            whole.extend_from_slice(&chunk);
        }
        Body::from(whole)
    } else {
        Body::from_stream(futures_util::stream::iter(chunks))
    };
    hyper::Request::from_parts(parts, body)
}

/// How long connections may take to finish once the server is asked to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What one server allows its connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Seconds a client has to send the rest of a request's head once its first byte came.
    pub header_read_secs: u64,
    /// Seconds a keep-alive connection may wait, with nothing in flight, for its next request.
    pub idle_secs: u64,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_secs: 30,
            // Longer than the idle time of the clients' own pools (the app's, gazu's), so that
            // they, not the server, usually close an idle connection.
            idle_secs: 120,
            // Room for 10,000 render nodes and 1,000 dashboards, well under the open-file
            // limit the server raises itself to (see [`raise_open_file_limit`]).
            max_connections: 16_384,
        }
    }
}

/// The application as the accept loop calls it.
pub type App = tower_http::normalize_path::NormalizePath<axum::Router>;

/// Serves `app` on `listener` until `stop` changes (or its sender goes), then gives open
/// connections [`SHUTDOWN_GRACE`] to finish.
pub async fn serve(
    listener: TcpListener,
    app: App,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    // Each connection holds a receiver: the sender sees them all gone once they closed.
    let (closing, closing_rx) = watch::channel(Closing::No);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            _ = stop.changed() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before it was taken: wait
                    // a moment rather than spin, and go on.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let app = app.clone();
        let seen = Arc::clone(&activity);
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            // The head is in: no header timeout until this answer has been sent.
            let guard = InFlight::start(Arc::clone(&seen));
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(Body::new);
            let app = app.clone();
            async move {
                let request = read_small_body(request).await;
                let response = app.oneshot(request).await.unwrap_or_else(|e| match e {});
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Tracked {
                        inner: body,
                        _guard: guard,
                    })
                }))
            }
        });
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let io = Watched {
                inner: stream,
                activity: Arc::clone(&activity),
            };
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                // Our own watch below times heads and idleness apart; hyper's would do both.
                .header_read_timeout(None)
                .serve_connection(TokioIo::new(io), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let mut idle_closing = false;
            loop {
                let deadline = activity.deadline(&limits);
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!(%peer, error = %e, "connection ended");
                        }
                        return;
                    }
                    changed = closing.changed() => match (changed, *closing.borrow_and_update()) {
                        (Ok(()), Closing::Gracefully) => connection.as_mut().graceful_shutdown(),
                        (Ok(()), Closing::No) => {}
                        // Past the grace period (or the server is gone): drop the connection.
                        (Err(_), _) | (Ok(()), Closing::Now) => return,
                    },
                    () = activity.changed.notified() => {}
                    () = sleep_until(deadline) => match activity.phase() {
                        Phase::Head(_) if activity.deadline(&limits) <= Some(Instant::now()) => {
                            tracing::debug!(%peer, "request head not sent in time: closed");
                            return;
                        }
                        Phase::Idle(_)
                            if !idle_closing && activity.deadline(&limits) <= Some(Instant::now()) =>
                        {
                            // Closes at once when idle; a request that just began is answered first.
                            idle_closing = true;
                            connection.as_mut().graceful_shutdown();
                        }
                        _ => {}
                    },
                }
            }
        });
    }
    drop(listener);
    drop(closing_rx);
    let _ = closing.send(Closing::Gracefully);
    if tokio::time::timeout(SHUTDOWN_GRACE, closing.closed())
        .await
        .is_err()
    {
        tracing::info!("connections still open after the shutdown grace period are dropped");
        let _ = closing.send(Closing::Now);
    }
}

/// Where the server is in stopping, as its connections see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Serving.
    No,
    /// Finish the request in flight, then close.
    Gracefully,
    /// Close at once.
    Now,
}

/// Sleeps until `deadline`, or for ever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What one connection is doing, as its watch sees it: kept by the connection's reads
/// ([`Watched`]) and by the requests it serves ([`InFlight`]).
struct Activity {
    /// When the connection was accepted; the times below count milliseconds from it.
    opened: Instant,
    /// Requests whose answer has not been sent yet.
    in_flight: AtomicUsize,
    /// When the last answer was sent (or the connection opened).
    idle_since_ms: AtomicU64,
    /// When the first byte of the next request came, or [`NO_HEAD`].
    head_since_ms: AtomicU64,
    /// Told when the phase changes, so the watch sets its next deadline.
    changed: Notify,
}

/// No byte of a next request has come yet.
const NO_HEAD: u64 = u64::MAX;

/// What a connection is waiting for.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Its answers (a request is being served or its answer sent): no timeout.
    Busy,
    /// The rest of a request's head, since this many ms after opening.
    Head(u64),
    /// A next request, since this many ms after opening.
    Idle(u64),
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            head_since_ms: AtomicU64::new(NO_HEAD),
            changed: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    fn phase(&self) -> Phase {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Phase::Busy;
        }
        match self.head_since_ms.load(Ordering::Acquire) {
            NO_HEAD => Phase::Idle(self.idle_since_ms.load(Ordering::Acquire)),
            since => Phase::Head(since),
        }
    }

    /// When the connection is to be closed if nothing changes.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let (since, secs) = match self.phase() {
            Phase::Busy => return None,
            Phase::Head(since) => (since, limits.header_read_secs),
            Phase::Idle(since) => (since, limits.idle_secs),
        };
        Some(self.opened + Duration::from_millis(since) + Duration::from_secs(secs))
    }

    /// Bytes came in: when nothing is in flight, they begin the next request's head.
    fn read_some(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self
                .head_since_ms
                .compare_exchange(NO_HEAD, self.now_ms(), Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.changed.notify_one();
        }
    }
}

/// One request being served, from its head until its answer's body is sent or dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_since_ms.store(NO_HEAD, Ordering::Release);
        activity.changed.notify_one();
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity
            .idle_since_ms
            .store(activity.now_ms(), Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
        activity.changed.notify_one();
    }
}

/// An answer's body that ends its request's [`InFlight`] when it is done with.
struct Tracked {
    inner: Body,
    _guard: InFlight,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A connection's socket that tells its [`Activity`] when bytes come in.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_some();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Raises this process's soft limit on open files to its hard limit, so the server can hold
/// as many connections as the system lets it. Returns the limit in force.
#[cfg(unix)]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(std::io::Error::from)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).map_err(std::io::Error::from)?;
    }
    Ok(hard)
}

/// On systems without Unix limits there is nothing to raise.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    Ok(u64::MAX)
}
