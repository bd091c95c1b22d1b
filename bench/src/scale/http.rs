//! One raw HTTP/1 connection per simulated worker or dashboard. The load generator shares two
//! cores with the server, so it skips reqwest's pool, URL parsing and header maps per request:
//! a request is a path, a bearer header made once, and a small body.
//!
//! The typed [`drover_shared::Client`] still owns the API's routes: the path prefix comes
//! from its `api_url()`, and the routes below are the ones its worker and event methods send
//! (`shared/src/client/worker.rs`, `events`).

use anyhow::Context;
use drover_shared::{JobId, TaskId};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Where the server is and how its routes are spelled; shared by every connection.
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    /// The API root's path, e.g. `/api`.
    api: String,
}

impl Target {
    /// The server behind `client` (its address and API prefix).
    pub fn of(client: &drover_shared::Client) -> anyhow::Result<Arc<Self>> {
        let url = reqwest::Url::parse(client.api_url())?;
        let addr = url
            .socket_addrs(|| None)?
            .into_iter()
            .next()
            .context("the server URL names no address")?;
        Ok(Arc::new(Self {
            addr,
            host: HeaderValue::from_str(&addr.to_string())?,
            api: url.path().trim_end_matches('/').to_owned(),
        }))
    }

    /// `POST /worker/heartbeat`.
    pub fn heartbeat(&self) -> String {
        format!("{}/worker/heartbeat", self.api)
    }

    /// `POST /worker/task?wait_secs=…`: claim.
    pub fn claim(&self, wait_secs: u32) -> String {
        format!("{}/worker/task?wait_secs={wait_secs}", self.api)
    }

    /// `POST /worker/task/{id}`: report on a task.
    pub fn task(&self, id: TaskId) -> String {
        format!("{}/worker/task/{id}", self.api)
    }

    /// `GET /events?topics=…[&job_id=…]`.
    pub fn events(&self, topics: &str, job: Option<JobId>) -> String {
        match job {
            Some(job) => format!("{}/events?topics={topics}&job_id={job}", self.api),
            None => format!("{}/events?topics={topics}", self.api),
        }
    }
}

/// The bearer header for `token`, made once per simulated client.
pub fn bearer(token: &str) -> anyhow::Result<HeaderValue> {
    Ok(HeaderValue::from_str(&format!("Bearer {token}"))?)
}

/// One keep-alive connection and the token it sends.
pub struct Conn {
    target: Arc<Target>,
    auth: HeaderValue,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    /// Connects and shakes hands; the connection is driven by a task of its own until either
    /// side drops it.
    pub async fn open(target: Arc<Target>, auth: HeaderValue) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(target.addr).await?;
        // Small requests answered at once: Nagle would hold each behind the previous ACK.
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // Its end (the server closed, or we dropped the sender) is seen by the next send.
            let _ = connection.await;
        });
        Ok(Self {
            target,
            auth,
            sender,
        })
    }

    /// `POST path` with a JSON body; the status and the whole answer.
    pub async fn post(&mut self, path: &str, body: Bytes) -> anyhow::Result<(StatusCode, Bytes)> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, self.target.host.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Full::new(body))?;
        let response = self.send(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// `GET path` as an event stream, from after `last_seq` when reconnecting; the answer
    /// with its body still to read.
    pub async fn stream(
        &mut self,
        path: &str,
        last_seq: Option<u64>,
    ) -> anyhow::Result<Response<Incoming>> {
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(HOST, self.target.host.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(seq) = last_seq {
            request = request.header(HeaderName::from_static("last-event-id"), seq);
        }
        self.send(request.body(Full::new(Bytes::new()))?).await
    }

    async fn send(&mut self, request: Request<Full<Bytes>>) -> anyhow::Result<Response<Incoming>> {
        self.sender.ready().await?;
        Ok(self.sender.send_request(request).await?)
    }
}
