//! Kitsu's admin lists and production settings: metadata columns (their values moved and
//! removed with them), task type and status links and their order, custom actions, status
//! automations, hardware items, salary scales, what departments use, the automations and
//! backgrounds of productions and templates, and preview background pictures; each with
//! its shapes, its roles (artists and vendors refused on admin writes) and its 400s.

use super::{breakdown, call, id, member, png, upload};
use drover_shared::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TODO: &str = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";

async fn status(client: &drover_shared::Client, method: Method, path: &str, body: Value) -> u16 {
    let body = (method != Method::GET && method != Method::DELETE).then_some(body);
    client
        .raw(method, path, body.as_ref())
        .await
        .unwrap()
        .status
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_columns_carry_their_values_when_renamed_and_removed() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Columns").await;
    let p = &b.project;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let base = format!("/data/projects/{p}/metadata-descriptors");
    // The breakdown's hero holds `rig` in its data; the column of that name describes it.
    let column = call(
        &admin,
        Method::POST,
        &base,
        Some(json!({"name": "Rig", "data_type": "string", "entity_type": "Asset"})),
        201,
    )
    .await;
    assert_eq!(column["field_name"], "rig");
    assert_eq!(column["type"], "MetadataDescriptor");
    assert_eq!(column["departments"], json!([]));
    let c = id(&column);
    let one = call(&artist, Method::GET, &format!("{base}/{c}"), None, 200).await;
    assert_eq!(one["name"], "Rig");
    // Refused and bad inputs.
    for (body, want) in [(json!({"name": "X", "entity_type": "Asset"}), 403)] {
        assert_eq!(status(&artist, Method::POST, &base, body).await, want);
    }
    for body in [
        json!({"name": "Rig", "entity_type": "Asset"}),
        json!({"name": "Y", "entity_type": "Planet"}),
        json!({"name": "Y", "entity_type": "Asset", "data_type": "colour"}),
        json!({"name": "", "entity_type": "Asset"}),
        json!({"name": "Y", "entity_type": "Task"}),
        json!({"name": "Y", "entity_type": "Asset", "choices": "a"}),
    ] {
        assert_eq!(
            status(&admin, Method::POST, &base, body.clone()).await,
            400,
            "{body}"
        );
    }
    assert_eq!(
        status(&artist, Method::DELETE, &format!("{base}/{c}"), Value::Null).await,
        403
    );
    // A rename moves the values to the new key.
    let renamed = call(
        &admin,
        Method::PUT,
        &format!("{base}/{c}"),
        Some(json!({"name": "Rig version"})),
        200,
    )
    .await;
    assert_eq!(renamed["field_name"], "rig_version");
    let asset = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(asset["data"], json!({"rig_version": "v1"}));
    // Ordered: the listed first.
    let second = id(&call(
        &admin,
        Method::POST,
        &base,
        Some(json!({"name": "Notes", "entity_type": "Asset", "data_type": "textarea"})),
        201,
    )
    .await);
    let order = call(
        &admin,
        Method::POST,
        &format!("{base}/reorder"),
        Some(json!({"entity_type": "Asset", "descriptor_ids": [second]})),
        200,
    )
    .await;
    assert_eq!(order[0]["id"], json!(second));
    assert_eq!(order[1]["position"], 2);
    assert_eq!(
        status(
            &admin,
            Method::POST,
            &format!("{base}/reorder"),
            json!({"entity_type": "Asset", "descriptor_ids": [TODO]})
        )
        .await,
        400
    );
    // Removed with its values.
    call(&admin, Method::DELETE, &format!("{base}/{c}"), None, 204).await;
    let asset = call(
        &admin,
        Method::GET,
        &format!("/data/assets/{}", b.asset),
        None,
        200,
    )
    .await;
    assert_eq!(asset["data"], json!({}));
    assert_eq!(
        status(&admin, Method::GET, &format!("{base}/{c}"), Value::Null).await,
        404
    );
    // Across the open productions.
    let made = call(
        &admin,
        Method::POST,
        "/data/metadata-descriptors/all-projects",
        Some(json!({"name": "Budget code", "entity_type": "Shot"})),
        201,
    )
    .await;
    assert!(
        made.as_array()
            .unwrap()
            .iter()
            .any(|m| m["project_id"] == json!(p))
    );
    let changed = call(
        &admin,
        Method::PUT,
        "/data/metadata-descriptors/all-projects/budget_code",
        Some(json!({"entity_type": "Shot", "for_client": true})),
        200,
    )
    .await;
    assert_eq!(changed[0]["for_client"], true);
    call(
        &admin,
        Method::POST,
        "/actions/metadata-descriptors/all-projects/reorder",
        Some(json!({"entity_type": "Shot", "field_order": ["budget_code"]})),
        200,
    )
    .await;
    assert_eq!(
        status(
            &artist,
            Method::POST,
            "/data/metadata-descriptors/all-projects",
            json!({"name": "Z", "entity_type": "Shot"})
        )
        .await,
        403
    );
    assert_eq!(
        status(
            &admin,
            Method::DELETE,
            "/data/metadata-descriptors/all-projects/budget_code?entity_type=Planet",
            Value::Null
        )
        .await,
        400
    );
    let removed = call(
        &admin,
        Method::DELETE,
        "/data/metadata-descriptors/all-projects/budget_code?entity_type=Shot",
        None,
        200,
    )
    .await;
    assert_eq!(
        removed.as_array().unwrap().len(),
        made.as_array().unwrap().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_studio_lists_are_admins_and_read_as_zou_reads_them() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Lists").await;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let (vendor, _) = member(&ts, &admin, &b.project, Role::Vendor).await;
    // Custom actions: everyone but vendors reads the list, admins change them.
    let action = call(
        &admin,
        Method::POST,
        "/data/custom-actions",
        Some(json!({"name": "Open in tool", "url": "https://example.com/x"})),
        201,
    )
    .await;
    assert_eq!(action["entity_type"], "all");
    assert_eq!(action["is_ajax"], false);
    let a = id(&action);
    let listed = call(&artist, Method::GET, "/data/custom-actions", None, 200).await;
    assert_eq!(listed[0]["id"], json!(a));
    assert_eq!(
        status(&vendor, Method::GET, "/data/custom-actions", Value::Null).await,
        403
    );
    assert_eq!(
        status(
            &artist,
            Method::GET,
            &format!("/data/custom-actions/{a}"),
            Value::Null
        )
        .await,
        403
    );
    for client in [&artist, &vendor] {
        assert_eq!(
            status(
                client,
                Method::POST,
                "/data/custom-actions",
                json!({"name": "x"})
            )
            .await,
            403
        );
        assert_eq!(
            status(
                client,
                Method::PUT,
                &format!("/data/custom-actions/{a}"),
                json!({"name": "y"})
            )
            .await,
            403
        );
    }
    assert_eq!(
        status(
            &admin,
            Method::POST,
            "/data/custom-actions",
            json!({"url": "x"})
        )
        .await,
        400
    );
    // Everyone's user context lists them, vendors' too.
    let context = call(&vendor, Method::GET, "/data/user/context", None, 200).await;
    assert_eq!(context["custom_actions"][0]["id"], json!(a));
    call(
        &admin,
        Method::PUT,
        &format!("/data/custom-actions/{a}"),
        Some(json!({"name": "Renamed"})),
        200,
    )
    .await;
    call(
        &admin,
        Method::DELETE,
        &format!("/data/custom-actions/{a}"),
        None,
        204,
    )
    .await;

    // Status automations; one a production uses cannot be deleted.
    let animation = id(&call(
        &admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]);
    let automation = call(
        &admin,
        Method::POST,
        "/data/status-automations",
        Some(json!({"entity_type": "asset", "in_field_type": "status",
            "in_task_type_id": animation, "in_task_status_id": TODO,
            "out_field_type": "status", "out_task_type_id": animation,
            "out_task_status_id": TODO})),
        201,
    )
    .await;
    let s = id(&automation);
    assert_eq!(
        status(
            &admin,
            Method::POST,
            "/data/status-automations",
            json!({"out_field_type": "colour"})
        )
        .await,
        400
    );
    let settings = format!("/data/projects/{}/settings/status-automations", b.project);
    let project = call(
        &admin,
        Method::POST,
        &settings,
        Some(json!({"status_automation_id": s})),
        201,
    )
    .await;
    assert_eq!(project["id"], json!(b.project));
    assert_eq!(
        call(&admin, Method::GET, &settings, None, 200).await[0]["id"],
        json!(s)
    );
    assert_eq!(
        status(&artist, Method::GET, &settings, Value::Null).await,
        403
    );
    assert_eq!(
        status(
            &admin,
            Method::POST,
            &settings,
            json!({"status_automation_id": TODO})
        )
        .await,
        400
    );
    let context = call(&artist, Method::GET, "/data/user/context", None, 200).await;
    let mine = context["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!(b.project))
        .unwrap()
        .clone();
    assert_eq!(mine["status_automations"], json!([s]));
    assert_eq!(context["status_automations"][0]["id"], json!(s));
    assert_eq!(
        status(
            &admin,
            Method::DELETE,
            &format!("/data/status-automations/{s}"),
            Value::Null
        )
        .await,
        400
    );
    call(
        &admin,
        Method::DELETE,
        &format!("{settings}/{s}"),
        None,
        204,
    )
    .await;
    call(
        &admin,
        Method::DELETE,
        &format!("/data/status-automations/{s}"),
        None,
        204,
    )
    .await;

    // Hardware items are the admins' alone.
    let item = id(&call(
        &admin,
        Method::POST,
        "/data/hardware-items",
        Some(json!({"name": "Workstation", "short_name": "ws", "monthly_cost": 80})),
        201,
    )
    .await);
    assert_eq!(
        status(&artist, Method::GET, "/data/hardware-items", Value::Null).await,
        403
    );
    assert_eq!(
        status(
            &admin,
            Method::POST,
            "/data/hardware-items",
            json!({"name": "Workstation", "short_name": "w"})
        )
        .await,
        400
    );
    assert_eq!(
        status(
            &admin,
            Method::PUT,
            &format!("/data/hardware-items/{item}"),
            json!({"monthly_cost": "x"})
        )
        .await,
        400
    );
    // What departments use.
    let department = id(&call(
        &admin,
        Method::POST,
        "/data/departments",
        Some(json!({"name": "Lighting", "color": "#ffcc00"})),
        201,
    )
    .await);
    let link = call(
        &admin,
        Method::POST,
        &format!("/data/departments/{department}/hardware-items"),
        Some(json!({"hardware_item_id": item})),
        201,
    )
    .await;
    assert_eq!(
        link,
        json!({"department_id": department, "hardware_item_id": item})
    );
    let by_department = call(
        &admin,
        Method::GET,
        "/data/departments/hardware-items",
        None,
        200,
    )
    .await;
    assert_eq!(by_department[&department][0]["id"], json!(item));
    assert_eq!(
        status(
            &admin,
            Method::POST,
            &format!("/data/departments/{department}/software-licenses"),
            json!({"software_id": TODO})
        )
        .await,
        400
    );
    assert_eq!(
        status(
            &artist,
            Method::GET,
            "/data/departments/software-licenses",
            Value::Null
        )
        .await,
        403
    );
    call(
        &admin,
        Method::DELETE,
        &format!("/data/departments/{department}/hardware-items/{item}"),
        None,
        204,
    )
    .await;
    // Salary scales: the grid of every department, position and seniority.
    let scales = call(&admin, Method::GET, "/data/salary-scales", None, 200).await;
    let scales = scales.as_array().unwrap();
    let lighting: Vec<&Value> = scales
        .iter()
        .filter(|s| s["department_id"] == json!(department))
        .collect();
    assert_eq!(lighting.len(), 9);
    assert_eq!(lighting[0]["salary"], 0);
    let scale = id(lighting[0]);
    let changed = call(
        &admin,
        Method::PUT,
        &format!("/data/salary-scales/{scale}"),
        Some(json!({"salary": 300})),
        200,
    )
    .await;
    assert_eq!(changed["salary"], 300);
    // Its cell is fixed: only the salary changes.
    let same = call(
        &admin,
        Method::PUT,
        &format!("/data/salary-scales/{scale}"),
        Some(json!({"position": "lead", "department_id": TODO})),
        200,
    )
    .await;
    assert_eq!(same["position"], lighting[0]["position"]);
    assert_eq!(same["department_id"], json!(department));
    assert_eq!(
        status(
            &admin,
            Method::PUT,
            &format!("/data/salary-scales/{scale}"),
            json!({"salary": -1})
        )
        .await,
        400
    );
    assert_eq!(
        status(&admin, Method::POST, "/data/salary-scales", json!({})).await,
        400
    );
    assert_eq!(
        status(&artist, Method::GET, "/data/salary-scales", Value::Null).await,
        403
    );
    assert_eq!(
        call(&admin, Method::GET, "/data/salary-scales", None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        scales.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_links_and_templates_are_ordered_and_linked() {
    let (ts, admin) = drover_tests::setup().await;
    let b = breakdown(&admin, "Links").await;
    let p = &b.project;
    let (artist, _) = member(&ts, &admin, &b.project, Role::Artist).await;
    let types = call(&admin, Method::GET, "/data/task-types", None, 200).await;
    let (t1, t2) = (id(&types[0]), id(&types[1]));
    let link = call(
        &admin,
        Method::POST,
        "/data/task-type-links",
        Some(json!({"project_id": p, "task_type_id": t1, "priority": 3})),
        201,
    )
    .await;
    assert_eq!(
        link,
        json!({"project_id": p, "task_type_id": t1, "priority": 3})
    );
    call(
        &admin,
        Method::POST,
        "/data/task-type-links",
        Some(json!({"project_id": p, "task_type_id": t2})),
        201,
    )
    .await;
    let order = call(
        &admin,
        Method::POST,
        &format!("/actions/projects/{p}/task-type-links/reorder"),
        Some(json!({"task_type_ids": [t2, t1, TODO]})),
        200,
    )
    .await;
    assert_eq!(order.as_array().unwrap().len(), 2);
    assert_eq!(order[0]["task_type_id"], json!(t2));
    assert_eq!(order[0]["priority"], 1);
    let status_link = call(
        &admin,
        Method::POST,
        "/data/task-status-links",
        Some(
            json!({"project_id": p, "task_status_id": TODO, "priority": 2,
            "roles_for_board": ["user"]}),
        ),
        201,
    )
    .await;
    assert_eq!(status_link["roles_for_board"], json!(["user"]));
    call(
        &admin,
        Method::POST,
        &format!("/actions/projects/{p}/task-status-links/reorder"),
        Some(json!({"task_status_ids": [TODO]})),
        200,
    )
    .await;
    for (path, body) in [
        (
            "/data/task-type-links".to_owned(),
            json!({"project_id": p, "task_type_id": t1}),
        ),
        (
            format!("/actions/projects/{p}/task-type-links/reorder"),
            json!({"task_type_ids": []}),
        ),
        (
            "/actions/task-types/reorder".to_owned(),
            json!({"task_type_ids": [t1]}),
        ),
    ] {
        assert_eq!(
            status(&artist, Method::POST, &path, body).await,
            403,
            "{path}"
        );
    }
    for body in [
        json!({"project_id": p}),
        json!({"project_id": p, "task_type_id": TODO}),
        json!({"project_id": p, "task_type_id": t1, "priority": "first"}),
    ] {
        assert_eq!(
            status(&admin, Method::POST, "/data/task-type-links", body).await,
            400
        );
    }
    assert_eq!(
        status(
            &admin,
            Method::POST,
            "/actions/task-types/reorder",
            json!({"task_type_ids": "x"})
        )
        .await,
        400
    );
    let reordered = call(
        &admin,
        Method::POST,
        "/actions/task-types/reorder",
        Some(json!({"task_type_ids": [t2, t1]})),
        200,
    )
    .await;
    assert_eq!(reordered[0]["priority"], 1);
    assert_eq!(reordered[1]["id"], json!(t1));

    // Templates: automations, backgrounds, the default one, orders and columns.
    let template = id(&call(
        &admin,
        Method::POST,
        "/data/project-templates",
        Some(json!({"name": "Tpl"})),
        201,
    )
    .await);
    let background = id(&call(
        &admin,
        Method::POST,
        "/data/preview-background-files",
        Some(json!({"name": "Studio grey"})),
        201,
    )
    .await);
    let base = format!("/data/project-templates/{template}");
    let default = format!("/actions/project-templates/{template}/default-preview-background-file");
    assert_eq!(
        status(
            &admin,
            Method::PUT,
            &default,
            json!({"default_preview_background_file_id": background})
        )
        .await,
        400,
        "not the template's yet"
    );
    let linked = call(
        &admin,
        Method::POST,
        &format!("{base}/preview-background-files"),
        Some(json!({"preview_background_file_id": background})),
        201,
    )
    .await;
    assert_eq!(linked["id"], json!(background));
    assert_eq!(
        call(
            &admin,
            Method::GET,
            &format!("{base}/preview-background-files"),
            None,
            200
        )
        .await[0]["id"],
        json!(background)
    );
    let tpl = call(
        &admin,
        Method::PUT,
        &default,
        Some(json!({"default_preview_background_file_id": background})),
        200,
    )
    .await;
    assert_eq!(tpl["default_preview_background_file_id"], json!(background));
    call(
        &admin,
        Method::DELETE,
        &format!("{base}/preview-background-files/{background}"),
        None,
        204,
    )
    .await;
    let tpl = call(&admin, Method::GET, &base, None, 200).await;
    assert_eq!(tpl["default_preview_background_file_id"], Value::Null);
    assert_eq!(
        status(
            &artist,
            Method::GET,
            &format!("{base}/status-automations"),
            Value::Null
        )
        .await,
        403
    );
    assert_eq!(
        status(
            &admin,
            Method::POST,
            &format!("{base}/status-automations"),
            json!({})
        )
        .await,
        400
    );
    let order = call(
        &admin,
        Method::POST,
        &format!("/actions/project-templates/{template}/task-types/reorder"),
        Some(json!({"task_type_ids": [t2, t1]})),
        200,
    )
    .await;
    assert_eq!(order[0]["id"], json!(t2));
    assert_eq!(order[1]["priority"], 2);
    call(
        &admin,
        Method::POST,
        &format!("/actions/project-templates/{template}/task-statuses/reorder"),
        Some(json!({"task_status_ids": [TODO]})),
        200,
    )
    .await;
    let columns = format!("/actions/project-templates/{template}/metadata-descriptors");
    let tpl = call(
        &admin,
        Method::PUT,
        &columns,
        Some(json!({"metadata_descriptors": [{"name": "Frame range", "entity_type": "Shot"}]})),
        200,
    )
    .await;
    assert_eq!(tpl["metadata_descriptors"][0]["field_name"], "frame_range");
    assert_eq!(tpl["metadata_descriptors"][0]["data_type"], "string");
    assert_eq!(
        status(
            &admin,
            Method::PUT,
            &columns,
            json!({"metadata_descriptors": [1]})
        )
        .await,
        400
    );
    assert_eq!(
        status(
            &artist,
            Method::PUT,
            &columns,
            json!({"metadata_descriptors": []})
        )
        .await,
        403
    );

    // A production's backgrounds, read by its team.
    let settings = format!("/data/projects/{p}/settings/preview-background-files");
    call(
        &admin,
        Method::POST,
        &settings,
        Some(json!({"preview_background_file_id": background})),
        201,
    )
    .await;
    assert_eq!(
        call(&artist, Method::GET, &settings, None, 200).await[0]["id"],
        json!(background)
    );
    assert_eq!(
        status(
            &artist,
            Method::POST,
            &settings,
            json!({"preview_background_file_id": background})
        )
        .await,
        403
    );

    // Its picture: decoded, stored as PNG with a thumbnail; admins upload.
    let picture = format!("/pictures/preview-background-files/{background}");
    let (code, row) = upload(&admin, &picture, "grey.png", &png()).await;
    assert_eq!(code, StatusCode::CREATED, "{row}");
    assert_eq!(row["extension"], "png");
    let (code, _) = upload(&admin, &picture, "grey.png", &b"not a picture"[..]).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    let (code, _) = upload(&artist, &picture, "grey.png", &png()).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    for path in [
        format!("{picture}.png"),
        format!("/pictures/thumbnails/preview-background-files/{background}.png"),
    ] {
        let answer = artist.raw(Method::GET, &path, None).await.unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{path}");
    }
}
