//! The `drover-worker` binary from the command line. (Its presence here also makes
//! `cargo test --workspace` build the binary that the end-to-end tests start.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_drover-worker");

#[test]
fn help_names_the_options() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in ["--server", "--token", "--tags", "--blender", "--work-dir"] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

#[test]
fn an_unregistered_worker_without_a_join_token_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["--server", "http://127.0.0.1:9"])
        .arg("--work-dir")
        .arg(dir.path())
        .env_remove("DROVER_JOIN_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("join token"), "{stderr}");
}
