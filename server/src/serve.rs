//! The accept loop: HTTP/1.1 connections served by hyper with the limits `axum::serve` does
//! not set.
//!
//! - **A header-read timeout** ([`ConnectionLimits::header_read_secs`]): a client has that long
//!   to send a request's head, and an idle keep-alive connection that long to start its next
//!   request. A slow-loris client that trickles its headers is closed; a long-poll or an event
//!   stream, whose head came at once, is not affected.
//! - **A ceiling on open connections** ([`ConnectionLimits::max_connections`]): past it the
//!   server stops accepting (new clients wait in the kernel's backlog) instead of running out
//!   of file descriptors, which would also stop its own files and database.
//! - **A bounded shutdown**: connections finish what they are doing for at most
//!   [`SHUTDOWN_GRACE`] (event streams never finish by themselves), then are dropped.
//!
//! Every request gets the peer's address as [`axum::extract::ConnectInfo`].

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long connections may take to finish once the server is asked to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What one server allows its connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's head, and an idle keep-alive connection to
    /// start its next request.
    pub header_read_secs: u64,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_secs: 30,
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
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(Body::new);
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(request).await.unwrap_or_else(|e| match e {})) }
        });
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(limits.header_read_secs))
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            loop {
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
