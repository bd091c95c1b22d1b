//! Events follow the writes they tell of: a worker that hangs up right after sending a task's
//! result (its request dropped by the server mid-way) still has the result told to every
//! dashboard when the write committed, its log chunk kept, and a job's progress ends on its
//! latest counts; so is a production change to Kitsu's open pages when its client hung up.

use crate::kitsu::listener::{Listener, python};
use crate::kitsu::{self, call, id};
use drover_shared::JobStatus;
use drover_shared::events::{EventKind, EventQuery};
use drover_shared::{TaskId, TaskStatus};
use drover_tests::{
    TestServer, job_tasks, project, setup, signed_on_worker, signed_on_worker_with_token, submit,
};
use reqwest::Method;
use std::collections::HashSet;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Completions sent and dropped.
const TASKS: usize = 40;

/// What `look` sees once it stops changing (two looks 300 ms apart agree; at most 9 s), so
/// every dropped request has run its course.
async fn settled<T: PartialEq, F: Future<Output = T>>(look: impl Fn() -> F) -> T {
    let mut seen = look().await;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = look().await;
        if now == seen {
            break;
        }
        seen = now;
    }
    seen
}

/// Sends a JSON `POST` on a connection of its own and shuts it at once: the server reads EOF
/// mid-request and drops the handler, before or after its write committed.
async fn post_and_hang_up(ts: &TestServer, path: &str, token: &str, body: &str) {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: drover\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut hang_up = TcpStream::connect(ts.server.addr()).await.unwrap();
    hang_up.write_all(request.as_bytes()).await.unwrap();
    hang_up.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_sent_by_workers_that_hang_up_at_once_are_still_told() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let token = admin.join_token().await.unwrap().token;
    let (worker, worker_token) = signed_on_worker_with_token(&ts, &token, "node").await;
    let mut stream = admin
        .events(&EventQuery {
            topics: Some("jobs,tasks".into()),
            ..EventQuery::default()
        })
        .await
        .unwrap();
    let job = submit(&admin, p.id, &format!("1-{TASKS}"), 1).await;

    // Each task is claimed, then its completion is sent on a connection shut at once.
    for _ in 0..TASKS {
        let assignment = worker
            .claim_task(0)
            .await
            .unwrap()
            .expect("a task to claim");
        let path = format!("/api/worker/task/{}", assignment.task.id);
        let body = serde_json::json!({
            "status": "completed",
            "log": format!("task {} done\n", assignment.task.id),
        });
        post_and_hang_up(&ts, &path, &worker_token, &body.to_string()).await;
    }

    // What the store says once every dropped request has run its course: two looks in a row
    // agree (a task whose completion was dropped before its write stays active).
    let look = || async {
        job_tasks(&admin, job.id)
            .await
            .into_iter()
            .map(|t| (t.id, t.status))
            .collect::<Vec<_>>()
    };
    let tasks = settled(look).await;
    let completed: HashSet<TaskId> = tasks
        .iter()
        .filter(|(_, status)| *status == TaskStatus::Completed)
        .map(|(id, _)| *id)
        .collect();
    eprintln!(
        "{} of {TASKS} dropped completions committed",
        completed.len()
    );
    assert!(
        !completed.is_empty(),
        "some completions committed before their request was dropped"
    );
    // A claim hands a worker back the task it still holds, so a completion dropped before its
    // write leaves one task active and the rest queued behind it.
    assert!(
        tasks
            .iter()
            .filter(|(_, status)| *status == TaskStatus::Active)
            .count()
            <= 1,
        "{tasks:?}"
    );
    assert!(
        tasks.iter().all(|(_, status)| matches!(
            status,
            TaskStatus::Completed | TaskStatus::Active | TaskStatus::Queued
        )),
        "{tasks:?}"
    );

    // Every completion that committed was told, and the job's progress ends on its counts.
    let mut told = HashSet::new();
    let mut last_done = None;
    loop {
        if told.is_superset(&completed) && last_done == Some(completed.len() as u64) {
            break;
        }
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "told {} of {} completions, progress at {last_done:?}",
                    told.len(),
                    completed.len()
                )
            })
            .unwrap()
            .unwrap();
        match event.kind {
            EventKind::Task {
                task_id,
                status: TaskStatus::Completed,
                ..
            } => {
                told.insert(task_id);
            }
            EventKind::JobProgress {
                job_id,
                progress,
                status,
            } if job_id == job.id => {
                assert_ne!(status, JobStatus::Failed);
                last_done = Some(progress.completed);
            }
            _ => {}
        }
    }
    assert_eq!(told, completed);

    // And each has the log chunk sent with it.
    for task in &completed {
        let log = admin.task_log(*task).await.unwrap();
        assert!(
            log.contains(&format!("task {task} done")),
            "{task}: {log:?}"
        );
    }
}

/// A stream left unread while hundreds of kilobytes of events pile up gets them all, in order,
/// once its client reads again (the server splits them into bounded chunks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_read_late_gets_every_event_in_order() {
    let (ts, admin) = setup().await;
    let p = project(&admin, "film").await;
    let token = admin.join_token().await.unwrap().token;
    let worker = signed_on_worker(&ts, &token, "node").await;
    let job = submit(&admin, p.id, "1", 1).await;
    let mut stream = admin
        .events(&EventQuery {
            topics: Some("logs".into()),
            job_id: Some(job.id),
            ..EventQuery::default()
        })
        .await
        .unwrap();
    let task = worker.claim_task(0).await.unwrap().unwrap().task.id;
    // 200 chunks of 4 KiB of log: 800 KiB of events, none read yet.
    let line = "x".repeat(4095) + "\n";
    for _ in 0..200 {
        let update = drover_shared::protocol::TaskUpdate {
            log: Some(line.clone()),
            ..Default::default()
        };
        worker.update_task(task, &update).await.unwrap();
    }
    let mut offset = 0u64;
    let mut last_seq = 0;
    while offset < 200 * 4096 {
        let event = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .unwrap_or_else(|_| panic!("log events up to {offset} within 10 s"))
            .unwrap()
            .unwrap();
        assert!(event.seq > last_seq, "in order");
        last_seq = event.seq;
        let EventKind::Log {
            offset: at, text, ..
        } = event.kind
        else {
            panic!("only logs were asked for: {:?}", event.kind);
        };
        assert_eq!(at, offset, "each chunk follows the one before");
        offset += text.len() as u64;
    }
}

/// Kitsu's side: shots made by requests whose client hangs up at once are each heard by an
/// open page as `shot:new` when their write committed, before what was written after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_changes_from_clients_that_hang_up_at_once_are_still_heard() {
    let Some(python) = python() else { return };
    let (ts, admin) = setup().await;
    let b = kitsu::breakdown(&admin, "Dropped").await;
    let token = admin.token().unwrap().to_owned();
    let (mut page, hello) = Listener::start(&python, &ts, "admin", &["bearer", &token]).await;
    assert_eq!(hello, "connected");
    let path = format!("/api/data/projects/{}/shots", b.project);
    for n in 0..TASKS {
        let body = serde_json::json!({"name": format!("DROP{n:03}"), "sequence_id": b.sequence});
        post_and_hang_up(&ts, &path, &token, &body.to_string()).await;
    }

    // The shots made, once every dropped request has run its course (two looks agree).
    let look = || async {
        let shots = call(&admin, Method::GET, &path["/api".len()..], None, 200).await;
        shots
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"].as_str().unwrap().starts_with("DROP"))
            .map(id)
            .collect::<HashSet<String>>()
    };
    let made = settled(look).await;
    eprintln!("{} of {TASKS} dropped shots committed", made.len());
    assert!(
        !made.is_empty(),
        "some shots committed before their request was dropped"
    );

    // A change made afterwards: the page hears every shot made before it.
    let department = call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(serde_json::json!({"name": "Mark", "color": "#ffcc00"})),
        201,
    )
    .await;
    let heard: HashSet<String> = page
        .until("department:new", "department_id", &id(&department))
        .await
        .iter()
        .filter(|e| e[0] == "shot:new")
        .map(|e| e[1]["shot_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(heard.is_superset(&made), "heard {heard:?} of {made:?}");
}
