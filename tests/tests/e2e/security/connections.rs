//! Connections that hold the server without asking anything: a slow-loris client trickling its
//! headers is closed after the header-read timeout, an idle keep-alive connection after the
//! longer idle timeout.

use drover_tests::{assert_still_answers, setup_with};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection (EOF or reset); answers what was read.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Sends one request on `stream` and reads its whole answer (a small one, sent at once).
async fn ask(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: drover\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    read_answer(stream).await
}

/// Reads one whole answer (head and `Content-Length` body) from `stream`.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buffer = vec![0u8; 65536];
    loop {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(n > 0, "closed before the answer was complete");
        got.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&got);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length: usize = text[..head_end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a content length");
            if got.len() >= head_end + 4 + length {
                return text.into_owned();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_heads_are_closed_after_the_header_timeout_and_idle_connections_later() {
    let limits = drover_server::Limits {
        connections: drover_server::serve::ConnectionLimits {
            header_read_secs: 2,
            idle_secs: 6,
            ..drover_server::serve::ConnectionLimits::default()
        },
        ..drover_server::Limits::default()
    };
    let (ts, admin) = setup_with(limits).await;
    let addr = ts.server.addr();
    let started = Instant::now();

    // 200 slow-loris connections: a request line and one header, never the blank line.
    let mut loris = Vec::new();
    for _ in 0..200 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /api/auth/authenticated HTTP/1.1\r\nHost: drover\r\nX-Slow: ")
            .await
            .unwrap();
        loris.push(stream);
    }
    // One keep-alive connection, idle after an ordinary request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert!(
        ask(&mut idle, "/api/openapi.json")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // Ordinary requests keep being answered meanwhile.
    assert_still_answers(&admin).await;

    tokio::time::timeout(Duration::from_secs(20), async {
        for stream in &mut loris {
            until_closed(stream).await;
        }
    })
    .await
    .expect("every half-sent head closed within 20 s");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "closed only after the timeout ({took:?})"
    );

    // Past the header timeout, the idle connection still serves its next request...
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(started.elapsed())).await;
    assert!(
        ask(&mut idle, "/api/openapi.json")
            .await
            .starts_with("HTTP/1.1 200")
    );
    let answered = Instant::now();
    // ... and is closed once it has idled for the idle timeout.
    let rest = tokio::time::timeout(Duration::from_secs(20), until_closed(&mut idle))
        .await
        .expect("the idle connection closed within 20 s");
    assert!(rest.is_empty(), "nothing more was sent on it");
    let idled = answered.elapsed();
    assert!(
        idled >= Duration::from_millis(5_500),
        "closed only after idling for the idle timeout ({idled:?})"
    );
    // The admin's pooled connection went idle past the timeout and was closed too (as it
    // should be): a new client's connection asks.
    assert_still_answers(&ts.client_as(drover_shared::Role::Admin).await).await;
}

#[test]
fn the_default_header_timeout_closes_a_slow_loris_within_a_minute() {
    let limits = drover_server::serve::ConnectionLimits::default();
    assert!((1..=60).contains(&limits.header_read_secs));
    assert!(
        limits.idle_secs > limits.header_read_secs,
        "idle connections outlive a head's timeout"
    );
    assert!(
        limits.max_connections >= 11_000,
        "10,000 workers and 1,000 dashboards"
    );
}

/// A request whose body comes apart from its head, as python-requests sends one, to a route
/// that ignores its body: the connection must stay open for the next request (hyper closes it
/// when the answer leaves body bytes unread, racing the client that reuses it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_sent_after_its_head_to_a_route_that_ignores_it_keeps_the_connection() {
    let (ts, _admin) = drover_tests::setup().await;
    let mut stream = TcpStream::connect(ts.server.addr()).await.unwrap();
    stream
        .write_all(
            b"GET /api/openapi.json HTTP/1.1\r\nHost: drover\r\n\
              Content-Type: application/json\r\nContent-Length: 2\r\n\r\n",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(b"{}").await.unwrap();
    let first = read_answer(&mut stream).await;
    assert!(
        first.starts_with("HTTP/1.1 200"),
        "{:?}",
        first.lines().next()
    );
    // The same connection answers the next request.
    assert!(
        ask(&mut stream, "/api/openapi.json")
            .await
            .starts_with("HTTP/1.1 200")
    );
}
