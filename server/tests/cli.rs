//! The `drover-server` binary as users and scripts drive it: `user add`, then `serve`, then
//! a login over HTTP, then a clean stop on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use drover_shared::Client;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_drover-server");

fn serve(data: &str) -> (Child, impl Iterator<Item = String>) {
    let mut server = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", data])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(server.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap);
    (server, lines)
}

/// Sends SIGTERM and expects a clean exit.
fn stop(server: &mut Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "the server exited with {status}");
}

fn run_with_stdin(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_serve_login_and_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();

    // A serve with no user yet says how to make one.
    let (mut server, mut lines) = serve(data);
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    assert!(lines.next().unwrap().contains("no user yet"));
    stop(&mut server);

    let added = Command::new(BIN)
        .args([
            "user",
            "add",
            "ann@studio.test",
            "--password",
            "long enough",
            "--role",
            "admin",
            "--data-dir",
            data,
        ])
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let from_stdin = run_with_stdin(
        Command::new(BIN)
            .args([
                "user",
                "add",
                "bob@studio.test",
                "--password-stdin",
                "--role",
                "artist",
            ])
            .env("DROVER_DATA_DIR", data),
        "another long one\n",
    );
    assert!(
        from_stdin.status.success(),
        "{}",
        String::from_utf8_lossy(&from_stdin.stderr)
    );
    let duplicate = Command::new(BIN)
        .args([
            "user",
            "add",
            "ann@studio.test",
            "--password",
            "long enough",
            "--role",
            "artist",
            "--data-dir",
            data,
        ])
        .output()
        .unwrap();
    assert_eq!(duplicate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists"));

    let (mut server, mut lines) = serve(data);
    let url = lines
        .next()
        .unwrap()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::new(&url).unwrap();
        let ann = client
            .login("ann@studio.test", "long enough")
            .await
            .unwrap();
        assert_eq!(ann.user.role, drover_shared::Role::Admin);
        let bob = client
            .login("bob@studio.test", "another long one")
            .await
            .unwrap();
        assert_eq!(bob.user.role, drover_shared::Role::Artist);
    });
    stop(&mut server);
}

#[test]
fn worker_token_prints_the_same_token_alone_on_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let token = || {
        let output = Command::new(BIN)
            .args(["worker-token", "--data-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .to_owned()
    };
    let first = token();
    assert!(first.starts_with("join-") && first.len() > 40, "{first}");
    assert_eq!(token(), first);
}
