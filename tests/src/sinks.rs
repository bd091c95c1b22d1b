//! Listeners that stand in for the services a server talks to: a chat's webhook (HTTP) and a
//! mail server (SMTP). Each keeps what it received for the test to read.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Binds a free port on loopback and serves each connection with `serve`, in the background;
/// answers the bound address.
async fn listen<F, Fut>(serve: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a sink");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    addr
}

/// One request a [`WebhookSink`] received.
#[derive(Debug, Clone)]
pub struct Hooked {
    /// Its path.
    pub path: String,
    /// Its `Authorization` header, if any.
    pub authorization: Option<String>,
    /// Its body, as JSON (`null` when it was not).
    pub body: serde_json::Value,
    /// The status it was answered with.
    pub answered: u16,
}

/// An HTTP listener that answers every POST with 200, except the first `fail_first` requests
/// to a path given to [`WebhookSink::fail_first`], which get 500.
#[derive(Clone)]
pub struct WebhookSink {
    /// Its base URL, `http://127.0.0.1:port`.
    pub url: String,
    received: Arc<Mutex<Vec<Hooked>>>,
    failing: Arc<Mutex<Vec<(String, usize)>>>,
}

impl WebhookSink {
    /// Starts listening on a free port.
    pub async fn start() -> Self {
        let mut sink = Self {
            url: String::new(),
            received: Arc::default(),
            failing: Arc::default(),
        };
        // The serving clone shares what is received; only this one needs the URL.
        let serving = sink.clone();
        let addr = listen(move |stream| {
            let sink = serving.clone();
            async move { sink.serve(stream).await }
        })
        .await;
        sink.url = format!("http://{addr}");
        sink
    }

    /// The first `count` requests to `path` are answered 500.
    pub fn fail_first(&self, path: &str, count: usize) {
        self.failing
            .lock()
            .expect("the sink's lock")
            .push((path.to_owned(), count));
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Hooked> {
        self.received.lock().expect("the sink's lock").clone()
    }

    /// What was received at `path`.
    pub fn at(&self, path: &str) -> Vec<Hooked> {
        self.received()
            .into_iter()
            .filter(|h| h.path == path)
            .collect()
    }

    async fn serve(&self, stream: tokio::net::TcpStream) {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let (mut length, mut authorization) = (0usize, None);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await.unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "authorization" => authorization = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let status = {
            let mut failing = self.failing.lock().expect("the sink's lock");
            match failing.iter_mut().find(|(p, n)| *p == path && *n > 0) {
                Some((_, n)) => {
                    *n -= 1;
                    500
                }
                None => 200,
            }
        };
        self.received.lock().expect("the sink's lock").push(Hooked {
            path,
            authorization,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
            answered: status,
        });
        let reason = if status == 200 {
            "OK"
        } else {
            "Internal Server Error"
        };
        let answer = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n\
             Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        let _ = reader.get_mut().write_all(answer.as_bytes()).await;
        let _ = reader.get_mut().shutdown().await;
    }
}

/// One e-mail an [`SmtpSink`] received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`, each.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
}

/// A mail server that takes every message (no TLS, no authentication) and keeps it.
#[derive(Clone)]
pub struct SmtpSink {
    /// `smtp://127.0.0.1:port`.
    pub url: String,
    received: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    /// Starts listening on a free port.
    pub async fn start() -> Self {
        let mut sink = Self {
            url: String::new(),
            received: Arc::default(),
        };
        // The serving clone shares what is received; only this one needs the URL.
        let serving = sink.clone();
        let addr = listen(move |stream| {
            let sink = serving.clone();
            async move { sink.serve(stream).await }
        })
        .await;
        sink.url = format!("smtp://{addr}");
        sink
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Mail> {
        self.received.lock().expect("the sink's lock").clone()
    }

    async fn serve(&self, stream: tokio::net::TcpStream) {
        let mut reader = BufReader::new(stream);
        let say = |text: &str| format!("{text}\r\n");
        if reader
            .get_mut()
            .write_all(say("220 sink ESMTP").as_bytes())
            .await
            .is_err()
        {
            return;
        }
        let mut mail = Mail {
            from: String::new(),
            to: Vec::new(),
            data: String::new(),
        };
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer = if upper.starts_with("EHLO") {
                "250-sink\r\n250 8BITMIME".to_owned()
            } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper == "NOOP" {
                "250 OK".to_owned()
            } else if let Some(from) = upper.strip_prefix("MAIL FROM:") {
                mail.from = command[10..10 + from.len()].trim().to_owned();
                "250 OK".to_owned()
            } else if upper.starts_with("RCPT TO:") {
                mail.to.push(command[8..].trim().to_owned());
                "250 OK".to_owned()
            } else if upper == "DATA" {
                if reader
                    .get_mut()
                    .write_all(say("354 go on").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                mail.data = data;
                self.received
                    .lock()
                    .expect("the sink's lock")
                    .push(mail.clone());
                "250 queued".to_owned()
            } else if upper == "QUIT" {
                let _ = reader.get_mut().write_all(say("221 bye").as_bytes()).await;
                return;
            } else {
                "502 not here".to_owned()
            };
            if reader
                .get_mut()
                .write_all(say(&answer).as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
