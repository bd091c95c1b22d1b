//! The farm's history on real workers: after jobs ran, `GET /stats` gives render hours, runs
//! completed and failed, energy, CO2e and cost by project, day, job, shot, person and worker, at the
//! farm's rates; CSV gives the same; people off a project's team see none of it; a bad range
//! is refused.

use drover_shared::api::{Settings, StatsGroup, StatsQuery};
use drover_shared::{JobStatus, Role};
use drover_tests::{job_done, project, setup, shell_job, workers};
use reqwest::StatusCode;
use serde_json::json;

fn by(group: StatsGroup) -> StatsQuery {
    StatsQuery {
        by: group,
        ..StatsQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_farms_history_is_kept_and_read_by_project_day_job_person_and_worker() {
    let (ts, admin) = setup().await;
    let rates: Settings = serde_json::from_value(json!({
        "grid_gco2e_per_kwh": 100.0,
        "cost_per_kwh": 0.5,
        "cost_per_core_hour": 0.01,
        "default_worker_watts": 300.0,
    }))
    .unwrap();
    admin.update_settings(&rates).await.unwrap();
    let film = project(&admin, "film").await;
    let ads = project(&admin, "ads").await;
    // The film's job renders for a shot's task, so the history has it by shot too.
    let task = drover_tests::shot_task(&admin, "film", &[]).await;
    let mut for_shot = shell_job(film.id, "1-3", "sleep 0.3");
    for_shot.production_task_id = Some(task.parse().unwrap());
    let done = admin.submit_job(&for_shot).await.unwrap();
    let mut broken = shell_job(ads.id, "1", "sleep 0.2; exit 3");
    broken.name = "=cmd|' /C calc'!A0".into();
    let broken = admin.submit_job(&broken).await.unwrap();
    let _workers = workers(&ts, &admin, &["w1", "w2", "w3"]).await;
    assert_eq!(
        job_done(&admin, done.id, 60).await.status,
        JobStatus::Completed
    );
    assert_eq!(
        job_done(&admin, broken.id, 60).await.status,
        JobStatus::Failed
    );
    let node = admin.workers().await.unwrap()[0].id;
    let node_rated = admin.set_worker_watts(node, Some(120.0)).await.unwrap();
    assert_eq!(node_rated.watts, Some(120.0));
    let err = admin.set_worker_watts(node, Some(-1.0)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));

    let projects = admin.stats(&by(StatsGroup::Project)).await.unwrap();
    assert_eq!(projects.rows.len(), 2);
    let film_row = projects.rows.iter().find(|r| r.label == "film").unwrap();
    assert_eq!((film_row.completed, film_row.failed), (3, 0));
    assert!(film_row.render_hours * 3600.0 >= 0.9, "{film_row:?}");
    assert!(film_row.kwh > 0.0);
    let ads_row = projects.rows.iter().find(|r| r.label == "ads").unwrap();
    assert_eq!(
        (ads_row.completed, ads_row.failed),
        (0, 3),
        "one task, three workers"
    );
    let total = &projects.total;
    assert_eq!((total.completed, total.failed), (3, 3));
    assert!((total.co2e_kg - total.kwh * 100.0 / 1000.0).abs() < 1e-9);
    assert!((total.cost - (total.kwh * 0.5 + total.core_hours * 0.01)).abs() < 1e-9);
    assert_eq!(projects.currency, "EUR");

    let days = admin.stats(&by(StatsGroup::Day)).await.unwrap();
    assert_eq!(days.rows.len(), 1, "today only");
    assert_eq!(days.rows[0].key, days.to);
    let jobs = admin.stats(&by(StatsGroup::Job)).await.unwrap();
    assert_eq!(jobs.rows.len(), 2);
    let shots = admin.stats(&by(StatsGroup::Shot)).await.unwrap();
    assert_eq!(
        shots.rows.len(),
        1,
        "the ads job rendered for no shot: {shots:?}"
    );
    assert_eq!(shots.rows[0].label, "SH010");
    assert_eq!((shots.rows[0].completed, shots.rows[0].failed), (3, 0));
    assert!(shots.rows[0].kwh > 0.0 && shots.rows[0].co2e_kg > 0.0);
    let people = admin.stats(&by(StatsGroup::Person)).await.unwrap();
    assert_eq!(people.rows.len(), 1, "the admin submitted both");
    let nodes = admin.stats(&by(StatsGroup::Worker)).await.unwrap();
    assert!(
        nodes
            .rows
            .iter()
            .all(|r| r.utilisation.is_some_and(|u| u > 0.0 && u < 1.0))
    );

    // The CSV: a header, a row per job, the total; a name a spreadsheet would run is quoted.
    let csv = admin.stats_csv(&by(StatsGroup::Job)).await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("job,name,render_hours,core_hours,completed,failed"));
    assert!(lines[0].contains("cost_eur"));
    assert!(csv.contains("'=cmd"), "{csv}");
    assert!(lines[3].starts_with("total,Total,"));

    // An artist on the film team sees film only; one on no team sees nothing.
    let member = ts.client_as(Role::Artist).await;
    drover_tests::join_team(&admin, film.id, &member).await;
    let seen = member.stats(&by(StatsGroup::Project)).await.unwrap();
    assert_eq!(seen.rows.len(), 1);
    assert_eq!(seen.rows[0].label, "film");
    let outsider = ts.client_as(Role::Artist).await;
    assert!(
        outsider
            .stats(&by(StatsGroup::Job))
            .await
            .unwrap()
            .rows
            .is_empty()
    );
    let err = outsider.set_worker_watts(node, None).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
    // A node's history is every project's: managers only.
    let err = member.stats(&by(StatsGroup::Worker)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));

    // A range: the days before today have nothing; a reversed or malformed one is refused.
    let before = StatsQuery {
        from: Some("2020-01-01".into()),
        to: Some("2020-01-31".into()),
        by: StatsGroup::Project,
    };
    assert!(admin.stats(&before).await.unwrap().rows.is_empty());
    for (from, to) in [("2020-02-01", "2020-01-01"), ("yesterday", "2020-01-01")] {
        let bad = StatsQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            by: StatsGroup::Day,
        };
        let err = admin.stats(&bad).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{from}..{to}");
    }
}
