//! Planning as Kitsu's "My tasks", "My checks" and task type pages read it: the tasks
//! waiting for feedback, the person's time on a day (and time taken back), day offs, and the
//! task type schedule; each with the refusals of those who may not.

use super::{breakdown, call, id, ids, member};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::json;

const WFA: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000104";

#[tokio::test]
async fn checks_list_the_tasks_waiting_for_feedback_in_ones_scope() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Checks").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (manager, _) = member(&ts, &admin, &b.project, Role::Manager).await;
    let (department_head, head_id) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let outsider = ts.client_as(Role::Manager).await;
    let checks = "/data/user/tasks-to-check";
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    // Nothing waits yet.
    assert_eq!(
        call(&supervisor, Method::GET, checks, None, 200).await,
        json!([])
    );
    call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{t}/comment"),
        Some(json!({ "task_status_id": WFA, "comment": "please check" })),
        201,
    )
    .await;
    for who in [&supervisor, &manager, &admin] {
        let found = call(who, Method::GET, checks, None, 200).await;
        assert_eq!(ids(&found), vec![t.clone()]);
        assert_eq!(found[0]["task_status_short_name"], "wfa");
        assert_eq!(found[0]["entity_name"], "SH010");
        assert_eq!(found[0]["last_comment"]["text"], "please check");
        assert_eq!(found[0]["last_comment"]["person_id"], artist_id.as_str());
    }
    // An artist checks nothing; a manager checks their teams' projects only; a supervisor
    // with departments checks only their departments' task types.
    assert_eq!(
        call(&artist, Method::GET, checks, None, 200).await,
        json!([])
    );
    assert_eq!(
        call(&outsider, Method::GET, checks, None, 200).await,
        json!([])
    );
    let department = call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(json!({ "name": "Lighting" })),
        201,
    )
    .await;
    call(
        &admin,
        Method::POST,
        &format!("/actions/persons/{head_id}/departments/add"),
        Some(json!({ "department_id": id(&department) })),
        201,
    )
    .await;
    assert_eq!(
        call(&department_head, Method::GET, checks, None, 200).await,
        json!([])
    );
}

#[tokio::test]
async fn time_spent_is_read_by_day_and_taken_back() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Time").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let outsider = ts.client_as(Role::Artist).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let entry = format!("/actions/tasks/{t}/time-spents/2026-01-05/persons/{artist_id}");
    call(
        &artist,
        Method::POST,
        &entry,
        Some(json!({ "duration": 90 })),
        201,
    )
    .await;
    let day = call(
        &artist,
        Method::GET,
        "/data/user/time-spents/2026-01-05",
        None,
        200,
    )
    .await;
    assert_eq!(day.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (day[0]["task_id"].as_str(), day[0]["duration"].as_f64()),
        (Some(t.as_str()), Some(90.0))
    );
    // Another day, another person: nothing.
    for (who, date) in [(&artist, "2026-01-06"), (&other, "2026-01-05")] {
        let found = call(
            who,
            Method::GET,
            &format!("/data/user/time-spents/{date}"),
            None,
            200,
        )
        .await;
        assert_eq!(found, json!([]));
    }
    for bad in ["2026-1-5", "yesterday", "2026-13-01"] {
        call(
            &artist,
            Method::GET,
            &format!("/data/user/time-spents/{bad}"),
            None,
            400,
        )
        .await;
    }

    // Taking time back: the person, managers and admins.
    call(&other, Method::DELETE, &entry, None, 403).await;
    call(&outsider, Method::DELETE, &entry, None, 404).await;
    call(&client, Method::DELETE, &entry, None, 403).await;
    call(
        &artist,
        Method::DELETE,
        &format!("/actions/tasks/{t}/time-spents/2026-01-32/persons/{artist_id}"),
        None,
        400,
    )
    .await;
    call(
        &artist,
        Method::DELETE,
        &format!("/actions/tasks/{t}/time-spents/2026-01-05/persons/nope"),
        None,
        400,
    )
    .await;
    let gone = call(&artist, Method::DELETE, &entry, None, 201).await;
    assert_eq!(gone["duration"], 0);
    let task = call(&admin, Method::GET, &format!("/data/tasks/{t}"), None, 200).await;
    assert_eq!(task["duration"].as_f64(), Some(0.0));
    call(&artist, Method::DELETE, &entry, None, 404).await;
}

#[tokio::test]
async fn day_offs_are_read_by_person_and_by_production() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Days").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let manager = ts.client_as(Role::Manager).await;
    let stranger = ts.client_as(Role::Supervisor).await;
    for (date, end) in [("2026-01-05", "2026-01-06"), ("2026-02-10", "2026-02-10")] {
        call(
            &artist,
            Method::POST,
            "/data/day-offs",
            Some(json!({ "date": date, "end_date": end, "description": "dentist" })),
            201,
        )
        .await;
    }
    let mine = format!("/data/persons/{artist_id}/day-offs");
    for who in [&artist, &manager, &admin] {
        let found = call(who, Method::GET, &mine, None, 200).await;
        assert_eq!(found.as_array().map(Vec::len), Some(2));
        assert_eq!(found[0]["description"], "dentist");
        assert_eq!(found[0]["person_id"], artist_id.as_str());
    }
    let found = call(&supervisor, Method::GET, &mine, None, 200).await;
    assert_eq!(found.as_array().map(Vec::len), Some(2));
    assert!(found[0].get("description").is_none(), "{found}");
    for who in [&other, &stranger, &vendor] {
        call(who, Method::GET, &mine, None, 403).await;
    }
    call(
        &artist,
        Method::GET,
        "/data/persons/nope/day-offs",
        None,
        400,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/persons/{}/day-offs", uuid::Uuid::new_v4()),
        None,
        404,
    )
    .await;

    // By production, over a period.
    let team = |query: &str| format!("/data/projects/{}/day-offs{query}", b.project);
    let january = team("?start_date=2026-01-01&end_date=2026-01-31");
    let found = call(&supervisor, Method::GET, &january, None, 200).await;
    assert_eq!(found[&artist_id].as_array().map(Vec::len), Some(1));
    assert!(found[&artist_id][0].get("description").is_none());
    let found = call(&artist, Method::GET, &january, None, 200).await;
    assert_eq!(found[&artist_id][0]["description"], "dentist");
    let found = call(&manager, Method::GET, &team(""), None, 200).await;
    assert_eq!(found[&artist_id].as_array().map(Vec::len), Some(2));
    assert_eq!(found[&artist_id][1]["description"], "dentist");
    // The day off of the 6th overlaps a period from the 6th; none does from March.
    let found = call(
        &other,
        Method::GET,
        &team("?start_date=2026-01-06&end_date=2026-01-09"),
        None,
        200,
    )
    .await;
    assert_eq!(found[&artist_id].as_array().map(Vec::len), Some(1));
    let found = call(
        &other,
        Method::GET,
        &team("?start_date=2026-03-01"),
        None,
        200,
    )
    .await;
    assert_eq!(found, json!({}));
    call(&vendor, Method::GET, &january, None, 403).await;
    call(&stranger, Method::GET, &january, None, 404).await;
    call(&artist, Method::GET, &team("?start_date=soon"), None, 400).await;
    call(
        &artist,
        Method::GET,
        "/data/projects/nope/day-offs",
        None,
        400,
    )
    .await;
}

#[tokio::test]
async fn the_task_type_schedule_is_completed_as_it_is_read() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Schedule").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let outsider = ts.client_as(Role::Artist).await;
    let path = format!("/data/projects/{}/schedule-items/task-types", b.project);
    let task = call(
        &admin,
        Method::GET,
        &format!("/data/tasks/{}", b.task),
        None,
        200,
    )
    .await;

    // The artist's read makes the animation item; the next reads find the same one.
    let made = call(&artist, Method::GET, &path, None, 200).await;
    assert_eq!(made.as_array().map(Vec::len), Some(1), "{made}");
    assert_eq!(made[0]["task_type_id"], task["task_type_id"]);
    assert_eq!(made[0]["project_id"], b.project.as_str());
    assert!(made[0]["start_date"].is_string() && made[0]["end_date"].is_string());
    let again = call(&admin, Method::GET, &path, None, 200).await;
    assert_eq!(ids(&again), ids(&made));
    let all = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{}/schedule-items", b.project),
        None,
        200,
    )
    .await;
    assert_eq!(ids(&all), ids(&made));

    call(&vendor, Method::GET, &path, None, 403).await;
    call(&outsider, Method::GET, &path, None, 404).await;
    call(
        &artist,
        Method::GET,
        "/data/projects/nope/schedule-items/task-types",
        None,
        400,
    )
    .await;
}

#[tokio::test]
async fn time_spent_is_read_over_a_period_by_the_person_and_their_supervisors() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Timesheets").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    for (date, minutes) in [("2026-01-05", 60), ("2026-01-07", 30), ("2026-02-01", 15)] {
        call(
            &artist,
            Method::POST,
            &format!("/actions/tasks/{t}/time-spents/{date}/persons/{artist_id}"),
            Some(json!({ "duration": minutes })),
            201,
        )
        .await;
    }
    let january = "start_date=2026-01-01&end_date=2026-01-31";
    let mine = call(
        &artist,
        Method::GET,
        &format!("/data/user/time-spents?{january}"),
        None,
        200,
    )
    .await;
    assert_eq!(mine.as_array().map(Vec::len), Some(2));
    assert_eq!(mine[0]["project_id"], b.project.as_str());
    assert!(mine[0]["task_type_id"].is_string());
    // A supervisor reads the artist's; another artist may not.
    let path = format!("/data/persons/{artist_id}/time-spents?{january}");
    let theirs = call(&supervisor, Method::GET, &path, None, 200).await;
    assert_eq!(theirs, mine);
    call(&other, Method::GET, &path, None, 403).await;
    let one_day = call(
        &supervisor,
        Method::GET,
        &format!("/data/persons/{artist_id}/time-spents/2026-01-07"),
        None,
        200,
    )
    .await;
    assert_eq!(one_day[0]["duration"].as_f64(), Some(30.0));
    // One task's time that day, and a day off covering a date; `{}` when none.
    let on_task = call(
        &artist,
        Method::GET,
        &format!("/data/user/tasks/{t}/time-spents/2026-01-05"),
        None,
        200,
    )
    .await;
    assert_eq!(on_task["duration"].as_f64(), Some(60.0));
    assert_eq!(
        call(
            &artist,
            Method::GET,
            &format!("/data/user/tasks/{t}/time-spents/2026-01-06"),
            None,
            200
        )
        .await,
        json!({})
    );
    call(
        &artist,
        Method::POST,
        "/data/day-offs",
        Some(json!({ "date": "2026-03-02", "end_date": "2026-03-04" })),
        201,
    )
    .await;
    let off = call(
        &artist,
        Method::GET,
        "/data/user/day-offs/2026-03-03",
        None,
        200,
    )
    .await;
    assert_eq!(off["person_id"], artist_id.as_str());
    assert_eq!(
        call(
            &artist,
            Method::GET,
            "/data/user/day-offs/2026-03-05",
            None,
            200
        )
        .await,
        json!({})
    );
    // Bad dates and a missing period are 400.
    for path in [
        "/data/user/time-spents?start_date=2026-01-01".to_owned(),
        "/data/user/time-spents?start_date=jan&end_date=feb".to_owned(),
        "/data/user/day-offs/someday".to_owned(),
        format!("/data/user/tasks/{t}/time-spents/2026-1-5"),
    ] {
        call(&artist, Method::GET, &path, None, 400).await;
    }
}
