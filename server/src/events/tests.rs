//! The bus's numbering, replay, routing, queues and windows.

use super::*;
use drover_shared::TaskId;

fn all() -> Filter {
    Filter::new(TOPICS, None)
}

fn seqs(live: &LiveEvents) -> Vec<u64> {
    match live.try_next() {
        Some(Batch::Events(events)) => events.iter().map(|e| e.event.seq).collect(),
        Some(Batch::Overflowed) => panic!("overflowed"),
        None => Vec::new(),
    }
}

#[test]
fn numbers_replays_and_reports_gaps() {
    let bus = EventBus::default();
    for id in 1..=3 {
        bus.publish(EventKind::JobDeleted { job_id: JobId(id) });
    }
    let sub = bus.subscribe(all(), Some(1));
    assert_eq!(
        sub.replay.iter().map(|e| e.event.seq).collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(!sub.gap);
    bus.publish(EventKind::Resync);
    assert_eq!(seqs(&sub.live), [4]);
    for _ in 0..RING_SIZE {
        bus.publish(EventKind::Resync);
    }
    assert!(bus.subscribe(all(), Some(1)).gap);
}

#[test]
fn a_frame_is_the_event_as_serde_writes_it() {
    let bus = EventBus::default();
    let sub = bus.subscribe(all(), None);
    bus.publish(EventKind::LastRendered {
        job_id: JobId(3),
        task_id: TaskId(9),
    });
    let Some(Batch::Events(events)) = sub.live.try_next() else {
        panic!("one event");
    };
    let text = std::str::from_utf8(&events[0].frame).unwrap();
    let json = serde_json::to_string(&events[0].event).unwrap();
    assert_eq!(
        text,
        format!("id: 1\nevent: last_rendered\ndata: {json}\n\n")
    );
    assert!(events[0].event.at > 0, "stamped with its time");
}

#[test]
fn events_carry_their_jobs_project_until_the_job_is_deleted() {
    let bus = EventBus::default();
    bus.know_jobs([(JobId(1), ProjectId(7))]);
    let live = bus.subscribe(all(), None).live;
    bus.publish(EventKind::LastRendered {
        job_id: JobId(1),
        task_id: TaskId(1),
    });
    bus.publish(EventKind::JobDeleted { job_id: JobId(1) });
    bus.publish(EventKind::JobDeleted { job_id: JobId(1) });
    bus.publish(EventKind::Resync);
    let Some(Batch::Events(events)) = live.try_next() else {
        panic!("four events");
    };
    let owners: Vec<Owner> = events.iter().map(|e| e.owner).collect();
    assert_eq!(
        owners,
        [
            Owner::Project(ProjectId(7)),
            Owner::Project(ProjectId(7)),
            Owner::Unknown,
            Owner::Farm
        ]
    );
}

#[test]
fn a_stream_gets_its_topics_of_its_job_and_the_farms_own() {
    let bus = EventBus::default();
    let job_logs = bus.subscribe(Filter::new(["logs", "workers"], Some(JobId(2))), None);
    let jobs = bus.subscribe(Filter::new(["jobs"], None), None);
    let log = |job| EventKind::Log {
        task_id: TaskId(1),
        job_id: JobId(job),
        text: "x".into(),
        offset: 0,
    };
    bus.publish(log(1)); // 1: another job's
    bus.publish(log(2)); // 2
    bus.publish(EventKind::JobDeleted { job_id: JobId(2) }); // 3
    bus.publish(EventKind::Resync); // 4
    assert_eq!(seqs(&job_logs.live), [2, 4]);
    assert_eq!(seqs(&jobs.live), [3, 4]);
    drop(job_logs);
    bus.publish(log(2));
    assert_eq!(seqs(&jobs.live), Vec::<u64>::new(), "nothing it takes");
    let state = lock(&bus.inner.state);
    assert!(
        state.one_job.iter().all(HashMap::is_empty),
        "a dropped stream leaves the index"
    );
}

#[test]
fn a_stream_that_falls_behind_is_told_to_resync_then_follows_again() {
    let bus = EventBus::default();
    let sub = bus.subscribe(all(), None);
    for id in 0..=QUEUE_SIZE {
        bus.publish(EventKind::JobDeleted {
            job_id: JobId(i64::try_from(id).unwrap()),
        });
    }
    assert!(matches!(sub.live.try_next(), Some(Batch::Overflowed)));
    assert!(sub.live.try_next().is_none(), "what it missed is gone");
    bus.publish(EventKind::Resync);
    assert_eq!(seqs(&sub.live).len(), 1);
}

#[tokio::test]
async fn a_jobs_progress_is_sent_at_most_every_window_and_the_latest_last() {
    let bus = EventBus::default();
    let sub = bus.subscribe(all(), None);
    let progress = |done| EventKind::JobProgress {
        job_id: JobId(1),
        status: drover_shared::JobStatus::Active,
        progress: drover_shared::api::JobProgress {
            completed: done,
            ..Default::default()
        },
    };
    let completed = |batch: Option<Batch>| -> Vec<u64> {
        let Some(Batch::Events(events)) = batch else {
            return Vec::new();
        };
        events
            .iter()
            .filter_map(|e| match &e.event.kind {
                EventKind::JobProgress { progress, .. } => Some(progress.completed),
                _ => None,
            })
            .collect()
    };
    for done in 1..=5 {
        bus.publish(progress(done));
    }
    assert_eq!(completed(sub.live.try_next()), [1], "the first at once");
    tokio::time::sleep(PROGRESS_EVERY * 2).await;
    assert_eq!(
        completed(sub.live.try_next()),
        [5],
        "the latest when the window ends"
    );
    bus.publish(progress(6));
    bus.publish(EventKind::JobDeleted { job_id: JobId(1) });
    let Some(Batch::Events(events)) = sub.live.try_next() else {
        panic!("the waiting progress, then the deletion");
    };
    assert!(matches!(
        events.iter().map(|e| &e.event.kind).collect::<Vec<_>>()[..],
        [EventKind::JobProgress { .. }, EventKind::JobDeleted { .. }]
    ));
}

#[test]
fn a_workers_facts_are_news_once_a_window_and_its_status_always() {
    let bus = EventBus::default();
    let w = WorkerId(1);
    assert!(bus.worker_news_due(w, false), "the first beat");
    assert!(!bus.worker_news_due(w, false), "the same window");
    assert!(bus.worker_news_due(w, true), "a new status");
    assert!(bus.worker_news_due(WorkerId(2), false), "another worker");
}

#[test]
fn streams_are_limited_per_person_and_in_all() {
    let bus = EventBus::new(StreamLimits {
        per_person: 2,
        total: 3,
    });
    let (a, b) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
    let first = bus.open_stream(a).unwrap();
    let _second = bus.open_stream(a).unwrap();
    assert_eq!(bus.open_stream(a).err(), Some(StreamRefused::PerPerson(2)));
    let _third = bus.open_stream(b).unwrap();
    assert_eq!(bus.open_stream(b).err(), Some(StreamRefused::Total(3)));
    drop(first);
    assert!(bus.open_stream(a).is_ok());
}
