//! Timesheets as Kitsu's "Timesheets", "Days off", "Tasks" and team schedule pages and gazu's
//! `person`, `task` and `user` modules read them: a person's time by year, month, week and
//! day, the studio's time tables, the time on an entity and on a production's task type,
//! days off by period, the presence log, open tasks with their statistics, people's task
//! dates, related tasks and filter groups; each with the refusals of those who may not, and
//! a 400 for every malformed period.

use super::{breakdown, call, id, member};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::{Value, json};

fn len(list: &Value) -> usize {
    list.as_array().map_or(0, Vec::len)
}

/// The status of a request whose answer may not be JSON (CSV files).
async fn status(client: &drover_shared::Client, path: &str) -> u16 {
    client
        .raw(Method::GET, path, None)
        .await
        .unwrap()
        .status
        .as_u16()
}

#[tokio::test]
async fn time_is_read_by_period_and_table_by_whoever_may() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Timesheets").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let stranger = ts.client_as(Role::Supervisor).await;
    for (who, date, minutes) in [
        (&artist, "2024-05-02", 60),
        (&artist, "2024-05-03", 30),
        (&admin, "2024-06-10", 60),
    ] {
        call(
            who,
            Method::POST,
            &format!("/actions/tasks/{t}/time-spents/{date}/persons/{artist_id}"),
            Some(json!({ "duration": minutes })),
            201,
        )
        .await;
    }
    let person = |tail: &str| format!("/data/persons/{artist_id}/time-spents/{tail}");
    // By task over a period, with the names Kitsu shows.
    let month = call(&artist, Method::GET, &person("month/2024/05"), None, 200).await;
    assert_eq!(len(&month), 1, "{month}");
    assert_eq!(month[0]["task_id"], t.as_str());
    assert_eq!(month[0]["duration"], 90.0);
    assert_eq!(month[0]["project_id"], b.project.as_str());
    assert_eq!(month[0]["project_name"], "Timesheets");
    assert_eq!(month[0]["entity_name"], "SH010");
    assert_eq!(month[0]["entity_type_name"], "Shot");
    assert_eq!(month[0]["sequence_name"], "SQ01");
    assert_eq!(month[0]["episode_name"], "E01");
    for (tail, minutes) in [
        ("year/2024", 150.0),
        ("week/2024/18", 90.0),
        ("day/2024/05/02", 60.0),
        ("day/2024/06/10", 60.0),
    ] {
        let found = call(&artist, Method::GET, &person(tail), None, 200).await;
        assert_eq!(found[0]["duration"], minutes, "{tail}: {found}");
    }
    for tail in ["year/2023", "week/2024/17", "day/2024/05/04"] {
        assert_eq!(
            call(&artist, Method::GET, &person(tail), None, 200).await,
            json!([])
        );
    }
    let one_project = format!("{}?project_id={}", person("year/2024"), b.project);
    assert_eq!(
        len(&call(&admin, Method::GET, &one_project, None, 200).await),
        1
    );
    // Supervisors read their productions' people; a supervisor off the team reads nothing
    // of this production; other artists, vendors and clients are refused.
    let read = call(
        &supervisor,
        Method::GET,
        &person("month/2024/05"),
        None,
        200,
    )
    .await;
    assert_eq!(read[0]["duration"], 90.0);
    assert_eq!(
        call(&stranger, Method::GET, &person("month/2024/05"), None, 200).await,
        json!([])
    );
    for who in [&other, &vendor, &client] {
        call(who, Method::GET, &person("month/2024/05"), None, 403).await;
    }
    // All of a month's entries: the person's own, or an admin's reading.
    let all = person("month/all/2024/05");
    for who in [&artist, &admin] {
        let rows = call(who, Method::GET, &all, None, 200).await;
        assert_eq!(len(&rows), 2, "{rows}");
        assert_eq!(rows[0]["type"], "TimeSpent");
        assert_eq!(rows[0]["date"], "2024-05-03");
    }
    call(&supervisor, Method::GET, &all, None, 403).await;
    // Periods that do not exist.
    for tail in [
        "month/2024/13",
        "month/2024/0",
        "week/2024/60",
        "year/99999",
        "year/abc",
        "day/2024/02/30",
        "month/all/2024/13",
    ] {
        call(&artist, Method::GET, &person(tail), None, 400).await;
    }
    // The studio's tables.
    let table = |tail: &str| format!("/data/persons/time-spents/{tail}");
    let expect = |unit: &str, minutes: f64| json!({ unit: { artist_id.as_str(): minutes } });
    let days = call(&admin, Method::GET, &table("day-table/2024/05"), None, 200).await;
    assert_eq!(
        days,
        json!({"2": {artist_id.as_str(): 60.0}, "3": {artist_id.as_str(): 30.0}})
    );
    let months = call(&admin, Method::GET, &table("month-table/2024"), None, 200).await;
    assert_eq!(months["5"], expect("5", 90.0)["5"]);
    assert_eq!(months["6"], expect("6", 60.0)["6"]);
    let weeks = call(
        &supervisor,
        Method::GET,
        &table("week-table/2024"),
        None,
        200,
    )
    .await;
    assert_eq!(weeks["18"], expect("18", 90.0)["18"]);
    assert_eq!(weeks["24"], expect("24", 60.0)["24"]);
    let years = call(&artist, Method::GET, &table("year-table"), None, 200).await;
    assert_eq!(years, expect("2024", 150.0));
    // Others read their own time only; a supervisor off the team nothing of this production.
    for who in [&other, &vendor, &client, &stranger] {
        assert_eq!(
            call(who, Method::GET, &table("year-table"), None, 200).await,
            json!({})
        );
    }
    let by_project = format!("{}?project_id={}", table("year-table"), b.project);
    assert_eq!(
        call(&admin, Method::GET, &by_project, None, 200).await,
        expect("2024", 150.0)
    );
    call(&stranger, Method::GET, &by_project, None, 403).await;
    for tail in ["day-table/2024/13", "week-table/99999", "month-table/x"] {
        call(&admin, Method::GET, &table(tail), None, 400).await;
    }
    // On an entity, and on a production's task type.
    let on_shot = format!("/data/entities/{}/time-spents", b.shot);
    assert_eq!(
        len(&call(&admin, Method::GET, &on_shot, None, 200).await),
        3
    );
    for who in [&vendor, &client] {
        call(who, Method::GET, &on_shot, None, 403).await;
    }
    let task = call(&admin, Method::GET, &format!("/data/tasks/{t}"), None, 200).await;
    let task_type = task["task_type_id"].as_str().unwrap().to_owned();
    let by_type = |query: &str| {
        format!(
            "/data/projects/{}/task-types/{task_type}/time-spents{query}",
            b.project
        )
    };
    let may = call(
        &supervisor,
        Method::GET,
        &by_type("?start_date=2024-05-01&end_date=2024-05-31"),
        None,
        200,
    )
    .await;
    assert_eq!(len(&may[artist_id.as_str()]), 2, "{may}");
    assert_eq!(
        len(&call(&admin, Method::GET, &by_type(""), None, 200).await[artist_id.as_str()]),
        3
    );
    call(&artist, Method::GET, &by_type(""), None, 403).await;
    call(&stranger, Method::GET, &by_type(""), None, 404).await;
    call(
        &admin,
        Method::GET,
        &by_type("?start_date=2024-13-01"),
        None,
        400,
    )
    .await;
    // The export, for managers and admins.
    assert_eq!(status(&admin, "/export/csv/time-spents.csv").await, 200);
    assert_eq!(status(&artist, "/export/csv/time-spents.csv").await, 403);
}

#[tokio::test]
async fn day_offs_by_period_and_the_presence_log() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Leave").await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let stranger = ts.client_as(Role::Supervisor).await;
    call(
        &artist,
        Method::POST,
        "/data/day-offs",
        Some(json!({ "date": "2024-05-06", "end_date": "2024-05-08", "description": "dentist" })),
        201,
    )
    .await;
    let person = |tail: &str| format!("/data/persons/{artist_id}/day-offs/{tail}");
    for tail in ["week/2024/19", "month/2024/05", "year/2024"] {
        let found = call(&artist, Method::GET, &person(tail), None, 200).await;
        assert_eq!(len(&found), 1, "{tail}: {found}");
        assert_eq!(found[0]["description"], "dentist");
    }
    for tail in ["week/2024/18", "month/2024/04", "year/2023"] {
        assert_eq!(
            call(&admin, Method::GET, &person(tail), None, 200).await,
            json!([])
        );
    }
    let dates = call(
        &supervisor,
        Method::GET,
        &person("month/2024/05"),
        None,
        200,
    )
    .await;
    assert_eq!(len(&dates), 1);
    assert!(dates[0].get("description").is_none(), "{dates}");
    for who in [&other, &vendor, &stranger] {
        call(who, Method::GET, &person("month/2024/05"), None, 403).await;
    }
    for tail in ["week/2024/60", "month/2024/13", "year/99999"] {
        call(&artist, Method::GET, &person(tail), None, 400).await;
    }
    // Everyone's, as each may read them.
    let studio = "/data/persons/day-offs/2024/05";
    let all = call(&admin, Method::GET, studio, None, 200).await;
    assert_eq!(len(&all), 1);
    assert_eq!(all[0]["description"], "dentist");
    assert_eq!(
        len(&call(
            &admin,
            Method::GET,
            "/data/persons/day-offs/2024",
            None,
            200
        )
        .await),
        1
    );
    let seen = call(&supervisor, Method::GET, studio, None, 200).await;
    assert_eq!(len(&seen), 1);
    assert!(seen[0].get("description").is_none());
    for who in [&other, &vendor, &stranger] {
        assert_eq!(call(who, Method::GET, studio, None, 200).await, json!([]));
    }
    call(
        &admin,
        Method::GET,
        "/data/persons/day-offs/2024/13",
        None,
        400,
    )
    .await;
    call(
        &admin,
        Method::GET,
        "/data/persons/day-offs/99999",
        None,
        400,
    )
    .await;
    // The presence log: admins only, a real month.
    assert_eq!(
        status(&admin, "/data/persons/presence-logs/2024-05").await,
        200
    );
    assert_eq!(
        status(&artist, "/data/persons/presence-logs/2024-05").await,
        403
    );
    assert_eq!(
        status(&admin, "/data/persons/presence-logs/2024-13").await,
        400
    );
    assert_eq!(status(&admin, "/data/persons/presence-logs/May").await, 400);
}

#[tokio::test]
async fn open_tasks_task_dates_and_related_tasks_stay_in_ones_productions() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Open work").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let stranger = ts.client_as(Role::Supervisor).await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{t}"),
        Some(json!({ "start_date": "2024-05-01", "due_date": "2024-05-20" })),
        200,
    )
    .await;
    // The open tasks, a page at a time.
    let open = "/data/tasks/open-tasks";
    for who in [&admin, &artist, &supervisor] {
        let page = call(who, Method::GET, open, None, 200).await;
        assert_eq!(len(&page["data"]), 1, "{page}");
        assert_eq!(page["data"][0]["id"], t.as_str());
        assert_eq!(page["data"][0]["entity_name"], "SH010");
        assert_eq!(page["data"][0]["project_name"], "Open work");
        assert_eq!(page["stats"]["total"], 1);
        assert_eq!(page["is_more"], false);
    }
    let mine = format!("{open}?person_id={artist_id}&limit=1&page=1");
    assert_eq!(
        len(&call(&admin, Method::GET, &mine, None, 200).await["data"]),
        1
    );
    let nobody = format!("{open}?person_id=unassigned");
    assert_eq!(
        len(&call(&admin, Method::GET, &nobody, None, 200).await["data"]),
        0
    );
    let page_two = format!("{open}?limit=1&page=2");
    assert_eq!(
        len(&call(&admin, Method::GET, &page_two, None, 200).await["data"]),
        0
    );
    let stranger_page = call(&stranger, Method::GET, open, None, 200).await;
    assert_eq!(len(&stranger_page["data"]), 0);
    call(
        &stranger,
        Method::GET,
        &format!("{open}?project_id={}", b.project),
        None,
        403,
    )
    .await;
    for bad in [
        "limit=0",
        "limit=100000",
        "page=0",
        "project_id=nope",
        "start_date=2024-13-01",
        "priority=high",
        "person_id=nope",
    ] {
        call(&admin, Method::GET, &format!("{open}?{bad}"), None, 400).await;
    }
    let stats = call(
        &artist,
        Method::GET,
        "/data/tasks/open-tasks/stats",
        None,
        200,
    )
    .await;
    assert_eq!(stats[b.project.as_str()]["amount"], 1, "{stats}");
    assert_eq!(
        call(
            &stranger,
            Method::GET,
            "/data/tasks/open-tasks/stats",
            None,
            200
        )
        .await,
        json!({})
    );
    // People's task dates, for supervisors and above.
    let dates = "/data/persons/task-dates";
    for who in [&admin, &supervisor] {
        let found = call(who, Method::GET, dates, None, 200).await;
        let entry = found
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["person_id"] == artist_id.as_str())
            .cloned()
            .unwrap_or(Value::Null);
        assert!(
            entry["min_date"]
                .as_str()
                .unwrap_or("")
                .starts_with("2024-05-01"),
            "{found}"
        );
        assert!(
            entry["max_date"]
                .as_str()
                .unwrap_or("")
                .starts_with("2024-05-20")
        );
    }
    // A supervisor elsewhere sees the artist only as busy, without the production.
    let busy = call(&stranger, Method::GET, dates, None, 200).await;
    let entry = &busy.as_array().unwrap()[0];
    assert_eq!(entry["min_date"], Value::Null, "{busy}");
    assert_eq!(entry["busy_periods"][0]["start_date"], "2024-05-01");
    call(&artist, Method::GET, dates, None, 403).await;
    call(
        &admin,
        Method::GET,
        &format!("{dates}?project_id=nope"),
        None,
        400,
    )
    .await;
    call(
        &stranger,
        Method::GET,
        &format!("{dates}?project_id={}", b.project),
        None,
        403,
    )
    .await;
    // Related tasks.
    let task = call(&admin, Method::GET, &format!("/data/tasks/{t}"), None, 200).await;
    let related = format!(
        "/data/persons/{artist_id}/related-tasks/{}",
        task["task_type_id"].as_str().unwrap()
    );
    for who in [&admin, &artist] {
        let found = call(who, Method::GET, &related, None, 200).await;
        assert_eq!(
            found.as_array().unwrap().iter().map(id).collect::<Vec<_>>(),
            vec![t.clone()]
        );
    }
    call(&vendor, Method::GET, &related, None, 403).await;
    assert_eq!(
        call(&stranger, Method::GET, &related, None, 200).await,
        json!([])
    );
}

#[tokio::test]
async fn filter_groups_are_ones_own_and_shared_by_managers() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Filters").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (manager, _) = member(&ts, &admin, &b.project, Role::Manager).await;
    let groups = "/data/user/filter-groups";
    let made = call(
        &artist,
        Method::POST,
        groups,
        Some(
            json!({"name": "Mine", "color": "#ff0000", "list_type": "todo",
                    "project_id": b.project, "is_shared": true}),
        ),
        201,
    )
    .await;
    assert_eq!(made["is_shared"], false, "an artist does not share: {made}");
    assert_eq!(made["type"], "SearchFilterGroup");
    let group = id(&made);
    let listed = call(&artist, Method::GET, groups, None, 200).await;
    assert_eq!(listed["todo"][b.project.as_str()][0]["id"], group.as_str());
    assert_eq!(
        call(&other, Method::GET, groups, None, 200).await,
        json!({})
    );
    let one = format!("{groups}/{group}");
    let changed = call(
        &artist,
        Method::PUT,
        &one,
        Some(json!({"name": "Renamed"})),
        200,
    )
    .await;
    assert_eq!(changed["name"], "Renamed");
    assert_eq!(changed["color"], "#ff0000");
    call(
        &other,
        Method::PUT,
        &one,
        Some(json!({"name": "Mine now"})),
        404,
    )
    .await;
    call(&other, Method::DELETE, &one, None, 404).await;
    call(&artist, Method::PUT, &one, Some(json!({"name": ""})), 400).await;
    call(&artist, Method::DELETE, &one, None, 204).await;
    assert_eq!(
        call(&artist, Method::GET, groups, None, 200).await,
        json!({})
    );
    // A manager of the production shares with its team.
    let shared = call(
        &manager,
        Method::POST,
        groups,
        Some(json!({"name": "Team", "project_id": b.project, "is_shared": true})),
        201,
    )
    .await;
    assert_eq!(shared["is_shared"], true);
    let seen = call(&other, Method::GET, groups, None, 200).await;
    assert_eq!(seen["todo"][b.project.as_str()][0]["name"], "Team");
    call(
        &artist,
        Method::POST,
        groups,
        Some(json!({"color": "#fff"})),
        400,
    )
    .await;
    call(
        &artist,
        Method::POST,
        groups,
        Some(json!({"name": "x", "project_id": "nope"})),
        400,
    )
    .await;
}

#[tokio::test]
async fn quotas_count_the_shots_people_delivered() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Quotas").await;
    let t = &b.task;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (other, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let stranger = ts.client_as(Role::Supervisor).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/entities/{}", b.shot),
        Some(json!({ "nb_frames": 50 })),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({ "task_ids": [t] })),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{t}"),
        Some(json!({ "end_date": "2024-05-03T10:00:00" })),
        200,
    )
    .await;
    call(
        &artist,
        Method::POST,
        &format!("/actions/tasks/{t}/time-spents/2024-05-02/persons/{artist_id}"),
        Some(json!({ "duration": 60 })),
        201,
    )
    .await;
    let task = call(&admin, Method::GET, &format!("/data/tasks/{t}"), None, 200).await;
    let task_type = task["task_type_id"].as_str().unwrap().to_owned();
    let by_type = |mode: &str| {
        format!(
            "/data/projects/{}/quotas/{task_type}?count_mode={mode}",
            b.project
        )
    };
    // Raw: the whole shot on the day it was sent for review.
    let raw = call(&supervisor, Method::GET, &by_type("feedback"), None, 200).await;
    let mine = &raw[artist_id.as_str()];
    assert_eq!(mine["day"]["frames"]["2024-05-03"], 50, "{raw}");
    assert_eq!(mine["day"]["seconds"]["2024-05-03"], 2.0);
    assert_eq!(mine["week"]["count"]["2024-18"], 1.0);
    assert_eq!(mine["month"]["entries"]["2024"], 1);
    assert_eq!(raw["total"]["year"]["frames"]["2024"], 50);
    // Weighted: on the days the time was logged.
    let weighted = call(&supervisor, Method::GET, &by_type("weighted"), None, 200).await;
    assert_eq!(
        weighted[artist_id.as_str()]["day"]["frames"]["2024-05-02"],
        50,
        "{weighted}"
    );
    // Done: nothing is done yet.
    assert_eq!(
        call(&supervisor, Method::GET, &by_type("done"), None, 200).await,
        json!({})
    );
    call(&admin, Method::GET, &by_type("status"), None, 400).await;
    call(&client, Method::GET, &by_type("weighted"), None, 403).await;
    call(&stranger, Method::GET, &by_type("weighted"), None, 404).await;
    // One person's, by task type.
    let person = format!("/data/projects/{}/quotas/persons/{artist_id}", b.project);
    for who in [&artist, &supervisor, &admin] {
        let found = call(who, Method::GET, &person, None, 200).await;
        assert_eq!(
            found[task_type.as_str()]["month"]["frames"]["2024-05"],
            50,
            "{found}"
        );
    }
    for who in [&other, &client] {
        call(who, Method::GET, &person, None, 403).await;
    }
}
