//! Kitsu's own Python client against Drover: `tests/gazu/workflow.py` drives the real `gazu`
//! library (from PyPI, unchanged) through Kitsu's everyday workflow against a real server and
//! checks every answer; `tests/gazu/route_walk.py` calls every read function of gazu's
//! modules and fails on a route the server lacks. The Python comes from `DROVER_GAZU_PYTHON`
//! (a venv with gazu, which `.ci/run` makes); without it the tests are skipped, unless
//! `DROVER_REQUIRE_GAZU=1`.

use crate::kitsu::listener::python;
use drover_tests::{PASSWORD, setup};
use std::path::Path;
use std::time::Duration;

/// Long enough for the whole workflow on a slow machine; a hung call fails the test instead of
/// stalling CI.
const TIMEOUT: Duration = Duration::from_mins(5);

/// Runs `tests/gazu/<script>` against a fresh server as its admin, with `extra` arguments
/// after the host, email and password; fails with its output unless it succeeds.
async fn run_script(python: &Path, script: &str, extra: &[&str]) {
    let (ts, admin) = setup().await;
    let email = admin.authenticated().await.unwrap().user.email;
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("gazu")
        .join(script);
    // gazu wants the API root, as Kitsu serves it behind `/api`.
    let host = format!("{}/api", ts.url());

    let run = tokio::process::Command::new(python)
        .arg(&script)
        .args([host.as_str(), email.as_str(), PASSWORD])
        .args(extra)
        // requests would send even 127.0.0.1 through a proxy set in the environment.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        // Keep the source tree free of `__pycache__`.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("{} did not finish in {TIMEOUT:?}", script.display()))
        .unwrap_or_else(|e| panic!("running {} (DROVER_GAZU_PYTHON): {e}", python.display()));
    assert!(
        output.status.success(),
        "{} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        script.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gazu_runs_the_everyday_kitsu_workflow() {
    let Some(python) = python() else { return };
    run_script(&python, "workflow.py", &[]).await;
}

/// Every read function of gazu's modules, called with a seeded production's rows, finds its
/// route, save those `tests/gazu/route_walk_missing.txt` lists as not served yet (the walk
/// fails when one of them answers, so the list only shrinks); none ends in a server error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gazus_read_functions_find_their_routes() {
    let Some(python) = python() else { return };
    let known = Path::new(env!("CARGO_MANIFEST_DIR")).join("gazu/route_walk_missing.txt");
    run_script(&python, "route_walk.py", &[known.to_str().unwrap()]).await;
}
