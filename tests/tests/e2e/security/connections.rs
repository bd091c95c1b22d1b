//! Connections that hold the server without asking anything: a slow-loris client trickling its
//! headers, and idle keep-alive connections, are closed after the header-read timeout.

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_and_idle_connections_are_closed_after_the_header_timeout() {
    let limits = drover_server::Limits {
        connections: drover_server::serve::ConnectionLimits {
            header_read_secs: 2,
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
    // One idle keep-alive connection, after an ordinary request.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /api/openapi.json HTTP/1.1\r\nHost: drover\r\n\r\n")
        .await
        .unwrap();
    // Ordinary requests keep being answered meanwhile.
    assert_still_answers(&admin).await;

    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        for stream in &mut loris {
            until_closed(stream).await;
        }
        until_closed(&mut idle).await
    })
    .await
    .expect("every connection closed within 20 s");
    assert!(
        closed.starts_with(b"HTTP/1.1 200"),
        "the idle connection got its answer first"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "closed only after the timeout ({took:?})"
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
        limits.max_connections >= 11_000,
        "10,000 workers and 1,000 dashboards"
    );
}
