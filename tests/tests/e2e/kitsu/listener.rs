//! A Socket.IO client in its own process (python-socketio, which `gazu.events` is built on,
//! from the gazu venv) that prints what it hears, for the tests of Kitsu's live events.

use drover_tests::{PASSWORD, TestServer};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

/// How long a listener waits for one line before the test fails.
const WAIT: Duration = Duration::from_secs(30);

/// The gazu venv's Python (`DROVER_GAZU_PYTHON`), or `None` and a note that the test is
/// skipped; with `DROVER_REQUIRE_GAZU=1` a missing one fails the test.
pub fn python() -> Option<PathBuf> {
    let python = std::env::var_os("DROVER_GAZU_PYTHON").map(PathBuf::from);
    if python.is_none() {
        assert!(
            std::env::var("DROVER_REQUIRE_GAZU").as_deref() != Ok("1"),
            "DROVER_REQUIRE_GAZU=1 but DROVER_GAZU_PYTHON is not set"
        );
        eprintln!("skipped: DROVER_GAZU_PYTHON is not set (a Python with gazu; see .ci/run)");
    }
    python
}

/// A Socket.IO client in its own process, printing what it hears.
pub struct Listener {
    _child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    who: &'static str,
}

impl Listener {
    /// Connects as `how` (`cookie NAME=VALUE`, `bearer TOKEN` or `none`); answers the
    /// listener and its first line (`"connected"` or `"refused"`).
    pub async fn start(
        python: &Path,
        ts: &TestServer,
        who: &'static str,
        how: &[&str],
    ) -> (Self, Value) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazu/live_events.py");
        let mut child = tokio::process::Command::new(python)
            .arg(&script)
            .arg(ts.url())
            .args(how)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut listener = Self {
            _child: child,
            stdin,
            lines: BufReader::new(stdout).lines(),
            who,
        };
        let first = listener.next().await;
        (listener, first)
    }

    pub async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("{} heard nothing for {WAIT:?}", self.who))
            .unwrap()
            .unwrap_or_else(|| panic!("{}'s listener ended", self.who));
        serde_json::from_str(&line).unwrap()
    }

    /// Sends an event, as the page does.
    pub async fn send(&mut self, name: &str, payload: Value) {
        let line = format!("{}\n", json!([name, payload]));
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Every event up to and including the first named `name` whose payload has `key: value`.
    pub async fn until(&mut self, name: &str, key: &str, value: &str) -> Vec<Value> {
        let mut heard = Vec::new();
        loop {
            let event = self.next().await;
            heard.push(event.clone());
            if event[0] == name && event[1][key] == value {
                return heard;
            }
        }
    }
}

/// The session cookie of a browser login as `email`.
pub async fn session_cookie(ts: &TestServer, email: &str) -> String {
    let answer = reqwest::Client::new()
        .post(format!("{}/api/auth/login", ts.url()))
        .header("origin", ts.url())
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("access_token_cookie="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
