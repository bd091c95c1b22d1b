//! Reading `GET /events`: server-sent events parsed into [`Event`]s.

use super::ClientError;
use crate::events::Event;
use reqwest::Response;

/// Server-sent events from `GET /events`, parsed.
pub struct EventStream {
    pub(super) response: Response,
    pub(super) buffer: Vec<u8>,
}

impl EventStream {
    /// The next event; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Option<Result<Event, ClientError>> {
        loop {
            if let Some(end) = find_blank_line(&self.buffer) {
                let block: Vec<u8> = self.buffer.drain(..end.1).collect();
                let text = String::from_utf8_lossy(&block[..end.0]);
                let data: Vec<&str> = text
                    .lines()
                    .filter_map(|line| line.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                if data.is_empty() {
                    continue; // a comment or keep-alive
                }
                return Some(
                    serde_json::from_str(&data.join("\n"))
                        .map_err(|e| ClientError::Url(format!("a malformed event: {e}"))),
                );
            }
            match self.response.chunk().await {
                Ok(Some(chunk)) => self.buffer.extend_from_slice(&chunk),
                Ok(None) => return None,
                Err(e) => return Some(Err(e.into())),
            }
        }
    }
}

/// Where the first event block ends: (end of its text, end including the blank line).
fn find_blank_line(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = buffer
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    let crlf = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}
