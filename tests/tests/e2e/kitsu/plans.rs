//! Kitsu's budget and production schedule pages: budgets numbered by revision with their
//! entries, the time by month, schedule versions whose task links are copied from the
//! production, edited and applied back onto the tasks, a locked version refusing changes,
//! the task type schedule broken down by sequence and asset type; each with the refusals of
//! those who may not and of bad input.

use super::{breakdown, call, id, member};
use drover_shared::Role;
use drover_tests::setup;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn budgets_are_the_productions_managers_with_revisions_and_entries() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Budgeted").await;
    let p = &b.project;
    let (manager, _) = member(&ts, &admin, &b.project, Role::Manager).await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (supervisor, _) = member(&ts, &admin, &b.project, Role::Supervisor).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let outsider = ts.client_as(Role::Manager).await;
    let budgets = format!("/data/projects/{p}/budgets");

    let first = call(
        &manager,
        Method::POST,
        &budgets,
        Some(json!({"name": "Quote", "currency": "EUR"})),
        200,
    )
    .await;
    assert_eq!(first["revision"], 1);
    assert_eq!(first["currency"], "EUR");
    assert_eq!(first["project_id"], p.as_str());
    assert_eq!(first["type"], "Budget");
    let second = call(
        &admin,
        Method::POST,
        &budgets,
        Some(json!({"name": "Quote v2"})),
        200,
    )
    .await;
    assert_eq!(second["revision"], 2);
    assert_eq!(second["currency"], "USD", "Zou's default");
    let listed = call(&manager, Method::GET, &budgets, None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["id"], first["id"]);

    // Artists, supervisors, vendors, clients and managers off the team are refused.
    for who in [&artist, &supervisor, &vendor, &client, &outsider] {
        call(who, Method::GET, &budgets, None, 403).await;
        call(who, Method::POST, &budgets, Some(json!({"name": "x"})), 403).await;
    }
    // Bad input.
    for body in [
        json!({}),
        json!({"name": ""}),
        json!({"name": 3}),
        json!({"name": "x", "currency": "EUROS"}),
    ] {
        call(&manager, Method::POST, &budgets, Some(body), 400).await;
    }
    call(
        &manager,
        Method::GET,
        &format!("{budgets}/not-an-id"),
        None,
        400,
    )
    .await;
    call(
        &manager,
        Method::GET,
        "/data/projects/3c1e3b0e-8a33-4a43-9d57-5a8c8f00ffff/budgets",
        None,
        404,
    )
    .await;

    let one = format!("{budgets}/{}", id(&first));
    let renamed = call(
        &manager,
        Method::PUT,
        &one,
        Some(json!({"name": "Quote A", "revision": 9})),
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Quote A");
    assert_eq!(renamed["revision"], 1, "the revision stays");
    assert_eq!(
        call(&manager, Method::GET, &one, None, 200).await["name"],
        "Quote A"
    );

    let department = call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(json!({"name": "Animation dept"})),
        201,
    )
    .await;
    let entries = format!("{one}/entries");
    let entry = call(
        &manager,
        Method::POST,
        &entries,
        Some(
            json!({"department_id": id(&department), "person_id": artist_id,
                    "position": "lead", "seniority": "senior", "start_date": "2026-03-01",
                    "months_duration": 4, "daily_salary": 320.5}),
        ),
        200,
    )
    .await;
    assert_eq!(entry["type"], "BudgetEntry");
    assert_eq!(entry["budget_id"], first["id"]);
    assert_eq!(entry["exceptions"], json!({}));
    assert_eq!(entry["daily_salary"], 320.5);
    assert_eq!(entry["start_date"], "2026-03-01");
    for body in [
        json!({"start_date": "2026-03-01", "months_duration": 4, "daily_salary": 1}),
        json!({"department_id": id(&department), "start_date": "soon", "months_duration": 4,
               "daily_salary": 1}),
        json!({"department_id": id(&department), "start_date": "2026-03-01",
               "months_duration": -1, "daily_salary": 1}),
        json!({"department_id": id(&department), "start_date": "2026-03-01",
               "months_duration": 4, "daily_salary": 1, "position": "boss"}),
        json!({"department_id": b.project, "start_date": "2026-03-01",
               "months_duration": 4, "daily_salary": 1}),
    ] {
        call(&manager, Method::POST, &entries, Some(body), 400).await;
    }
    let entry_path = format!("{entries}/{}", id(&entry));
    let changed = call(
        &manager,
        Method::PUT,
        &entry_path,
        Some(json!({"months_duration": 5,
                    "exceptions": {"2026-04": 10, "2026-05": 0, "2026-06": null}})),
        200,
    )
    .await;
    assert_eq!(changed["months_duration"], 5);
    assert_eq!(changed["exceptions"], json!({"2026-04": 10}));
    assert_eq!(changed["position"], "lead");
    call(
        &manager,
        Method::PUT,
        &entry_path,
        Some(json!({"exceptions": [1]})),
        400,
    )
    .await;
    assert_eq!(
        call(&manager, Method::GET, &entries, None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // An entry is reached only through its own budget.
    call(
        &manager,
        Method::GET,
        &format!("{budgets}/{}/entries/{}", id(&second), id(&entry)),
        None,
        404,
    )
    .await;
    call(&artist, Method::GET, &entry_path, None, 403).await;

    // The time by month: admins only.
    let time = format!("{budgets}/time-spents");
    call(&manager, Method::GET, &time, None, 403).await;
    let months = call(&admin, Method::GET, &time, None, 200).await;
    assert!(months.is_object(), "{months}");

    call(&manager, Method::DELETE, &entry_path, None, 204).await;
    call(&manager, Method::GET, &entry_path, None, 404).await;
    call(&manager, Method::DELETE, &one, None, 204).await;
    call(&manager, Method::GET, &one, None, 404).await;
}

#[tokio::test]
async fn schedule_versions_copy_edit_and_apply_the_productions_dates() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Scheduled").await;
    let p = &b.project;
    let t = &b.task;
    let (manager, _) = member(&ts, &admin, &b.project, Role::Manager).await;
    let (artist, artist_id) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let (client, _) = member(&ts, &admin, &b.project, Role::Client).await;
    let outsider = ts.client_as(Role::Manager).await;
    call(
        &admin,
        Method::PUT,
        &format!("/data/tasks/{t}"),
        Some(json!({"start_date": "2026-01-05", "due_date": "2026-01-20", "estimation": 3})),
        200,
    )
    .await;
    call(
        &admin,
        Method::PUT,
        &format!("/actions/persons/{artist_id}/assign"),
        Some(json!({"task_ids": [t]})),
        200,
    )
    .await;
    let versions = "/data/production-schedule-versions";
    let version = call(
        &manager,
        Method::POST,
        versions,
        Some(json!({"project_id": p, "name": "Plan A"})),
        201,
    )
    .await;
    assert_eq!(version["type"], "ProductionScheduleVersion");
    assert_eq!(version["locked"], false);
    assert_eq!(version["canceled"], false);
    let v = id(&version);
    for body in [
        json!({"name": "No project"}),
        json!({"project_id": p}),
        json!({"project_id": "nope", "name": "x"}),
        json!({"project_id": p, "name": "Plan A"}),
    ] {
        call(&manager, Method::POST, versions, Some(body), 400).await;
    }
    for who in [&artist, &outsider] {
        call(
            who,
            Method::POST,
            versions,
            Some(json!({"project_id": p, "name": "Mine"})),
            403,
        )
        .await;
    }
    // The team reads them; vendors, clients and managers off the team do not.
    let list = format!("{versions}?project_id={p}");
    let read = call(&artist, Method::GET, &list, None, 200).await;
    assert_eq!(read[0]["id"], v.as_str());
    for who in [&vendor, &client, &outsider] {
        call(who, Method::GET, &list, None, 403).await;
        call(who, Method::GET, &format!("{versions}/{v}"), None, 403).await;
    }
    call(&manager, Method::GET, versions, None, 403).await;
    call(&admin, Method::GET, versions, None, 200).await;

    let copied = call(
        &manager,
        Method::POST,
        &format!("/actions/production-schedule-versions/{v}/set-task-links-from-production"),
        None,
        200,
    )
    .await;
    assert_eq!(copied, json!({"success": true, "task_link_count": 1}));
    let links_path = format!("{versions}/{v}/task-links?relations=true");
    let links = call(&artist, Method::GET, &links_path, None, 200).await;
    assert_eq!(links.as_array().unwrap().len(), 1);
    let link = &links[0];
    assert_eq!(link["task_id"], t.as_str());
    assert_eq!(link["start_date"], "2026-01-05T00:00:00");
    assert_eq!(link["estimation"], 3.0);
    assert_eq!(link["assignees"], json!([artist_id]));
    let link_path = format!("/data/production-schedule-version-task-links/{}", id(link));
    call(
        &artist,
        Method::PUT,
        &link_path,
        Some(json!({"estimation": 1})),
        403,
    )
    .await;
    call(&vendor, Method::GET, &link_path, None, 403).await;
    call(
        &manager,
        Method::PUT,
        &link_path,
        Some(json!({"due_date": "later"})),
        400,
    )
    .await;
    let moved = call(
        &manager,
        Method::PUT,
        &link_path,
        Some(
            json!({"start_date": "2026-02-02", "due_date": "2026-02-27", "estimation": 8,
                    "assignees": []}),
        ),
        200,
    )
    .await;
    assert_eq!(moved["due_date"], "2026-02-27T00:00:00");
    assert_eq!(moved["assignees"], json!([]));
    assert_eq!(
        call(&artist, Method::GET, &link_path, None, 200).await["estimation"],
        8.0
    );
    // One link per task; the task must be the version's production's.
    let links_route = "/data/production-schedule-version-task-links";
    call(
        &manager,
        Method::POST,
        links_route,
        Some(json!({"task_id": t, "production_schedule_version_id": v})),
        400,
    )
    .await;
    let other = breakdown(&admin, "Elsewhere").await;
    call(
        &manager,
        Method::POST,
        links_route,
        Some(json!({"task_id": other.task, "production_schedule_version_id": v})),
        400,
    )
    .await;

    // A second version made from the first copies its links.
    let plan_b = call(
        &manager,
        Method::POST,
        versions,
        Some(json!({"project_id": p, "name": "Plan B"})),
        201,
    )
    .await;
    let vb = id(&plan_b);
    let from_version = format!(
        "/actions/production-schedule-versions/{vb}/set-task-links-from-production-schedule-version"
    );
    call(
        &manager,
        Method::POST,
        &from_version,
        Some(json!({"production_schedule_version_id": vb})),
        400,
    )
    .await;
    let copied = call(
        &manager,
        Method::POST,
        &from_version,
        Some(json!({"production_schedule_version_id": v})),
        200,
    )
    .await;
    assert_eq!(copied["task_link_count"], 1);
    assert_eq!(
        call(
            &manager,
            Method::GET,
            &format!("{versions}/{vb}"),
            None,
            200
        )
        .await["production_schedule_from"],
        v.as_str()
    );
    let b_links = call(
        &manager,
        Method::GET,
        &format!("{versions}/{vb}/task-links"),
        None,
        200,
    )
    .await;
    assert_eq!(b_links[0]["due_date"], "2026-02-27T00:00:00");

    // Applied, the dates land on the task and the version locks.
    let applied = call(
        &manager,
        Method::POST,
        &format!("/actions/production-schedule-versions/{v}/apply-to-production"),
        None,
        200,
    )
    .await;
    assert_eq!(applied, json!({"success": true, "task_count": 1}));
    let task = call(&admin, Method::GET, &format!("/data/tasks/{t}"), None, 200).await;
    assert_eq!(task["start_date"], "2026-02-02T00:00:00");
    assert_eq!(task["due_date"], "2026-02-27T00:00:00");
    assert_eq!(task["estimation"], 8.0);
    let locked = call(&manager, Method::GET, &format!("{versions}/{v}"), None, 200).await;
    assert_eq!(locked["locked"], true);
    // A locked version refuses changes to its links until it is unlocked.
    call(
        &manager,
        Method::PUT,
        &link_path,
        Some(json!({"estimation": 2})),
        400,
    )
    .await;
    call(
        &manager,
        Method::POST,
        &format!("/actions/production-schedule-versions/{v}/set-task-links-from-production"),
        None,
        400,
    )
    .await;
    call(
        &manager,
        Method::POST,
        &format!("/actions/production-schedule-versions/{v}/apply-to-production"),
        None,
        400,
    )
    .await;
    call(
        &artist,
        Method::PUT,
        &format!("{versions}/{v}"),
        Some(json!({"locked": false})),
        403,
    )
    .await;
    let unlocked = call(
        &manager,
        Method::PUT,
        &format!("{versions}/{v}"),
        Some(json!({"locked": false, "name": "Plan A2"})),
        200,
    )
    .await;
    assert_eq!(unlocked["locked"], false);
    assert_eq!(unlocked["name"], "Plan A2");
    call(
        &manager,
        Method::PUT,
        &link_path,
        Some(json!({"estimation": 2})),
        200,
    )
    .await;

    call(
        &manager,
        Method::DELETE,
        &format!("{versions}/{v}"),
        None,
        204,
    )
    .await;
    call(&manager, Method::GET, &link_path, None, 404).await;
    assert!(
        call(
            &manager,
            Method::GET,
            &format!("{versions}/{vb}"),
            None,
            200
        )
        .await["production_schedule_from"]
            .is_null()
    );
}

#[tokio::test]
async fn a_task_types_schedule_is_broken_down_and_completed_as_read() {
    let (ts, admin) = setup().await;
    let b = breakdown(&admin, "Broken down").await;
    let p = &b.project;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    let animation = call(
        &admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]
        .clone();
    let tt = id(&animation);
    let sequences = format!("/data/projects/{p}/schedule-items/{tt}/sequences");
    let items = call(&artist, Method::GET, &sequences, None, 200).await;
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["name"], "SQ01");
    assert_eq!(items[0]["object_id"], b.sequence.as_str());
    assert_eq!(items[0]["task_type_id"], tt.as_str());
    // Read again, the same item: made once.
    let again = call(&admin, Method::GET, &sequences, None, 200).await;
    assert_eq!(again[0]["id"], items[0]["id"]);
    let assets = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/schedule-items/{tt}/asset-types"),
        None,
        200,
    )
    .await;
    assert_eq!(assets[0]["name"], "Character");
    let episodes = call(
        &admin,
        Method::GET,
        &format!(
            "/data/projects/{p}/schedule-items/{tt}/episodes?episode_id={}",
            b.episode
        ),
        None,
        200,
    )
    .await;
    assert_eq!(episodes[0]["object_id"], b.episode.as_str());
    let edits = call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/schedule-items/{tt}/edits"),
        None,
        200,
    )
    .await;
    assert_eq!(edits, json!([]));
    call(&vendor, Method::GET, &sequences, None, 403).await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/schedule-items/{tt}/shots"),
        None,
        404,
    )
    .await;
    call(
        &admin,
        Method::GET,
        &format!("/data/projects/{p}/schedule-items/{tt}/episodes?episode_id=nope"),
        None,
        400,
    )
    .await;
}
