//! Production tracking, the Kitsu-compatible API: TOTP at login, the generic `/data/<model>`
//! routes, one project seen by the farm and by production, and who may do what.

use drover_server::auth::two_factor;
use drover_shared::api::{LoginRequest, MISSING_CODE, WRONG_CODE};
use drover_shared::{Client, Role};
use drover_tests::{PASSWORD, setup};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn status(err: &drover_shared::ClientError) -> Option<StatusCode> {
    err.status()
}

fn login(email: &str, totp: Option<&str>, recovery_code: Option<&str>) -> LoginRequest {
    LoginRequest {
        email: email.to_owned(),
        password: PASSWORD.to_owned(),
        totp: totp.map(str::to_owned),
        recovery_code: recovery_code.map(str::to_owned),
    }
}

#[tokio::test]
async fn totp_guards_login_until_disabled() {
    let (ts, _admin) = setup().await;
    let artist: Client = ts.client_as(Role::Artist).await;
    let email = artist.authenticated().await.unwrap().user.email;

    // Confirming before starting, or disabling what is not enabled, is refused.
    let err = artist.totp_confirm("123456").await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let err = artist.totp_disable("123456").await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    assert!(err.to_string().contains("TOTP not enabled"), "{err}");

    let setup_info = artist.totp_start().await.unwrap();
    assert!(
        setup_info
            .totp_provisionning_uri
            .starts_with("otpauth://totp/")
    );
    assert!(setup_info.qr_code.starts_with("data:image/png;base64,"));
    let secret = setup_info.otp_secret;
    let err = artist.totp_confirm("000000x").await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let code = two_factor::current_code(&secret, &email).unwrap();
    let enabled = artist.totp_confirm(&code).await.unwrap();
    let recovery = enabled
        .otp_recovery_codes
        .expect("first time: recovery codes");
    assert_eq!(recovery.len(), two_factor::RECOVERY_CODES);

    // The password alone no longer logs in; Kitsu's flags say why.
    let raw = ts
        .anonymous
        .send_json(Method::POST, "/auth/login", &login(&email, None, None))
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::BAD_REQUEST);
    let body = raw.body.unwrap();
    assert_eq!(body["error"], MISSING_CODE);
    assert_eq!(body["missing_OTP"], true);
    let err = ts
        .anonymous
        .login_with(&login(&email, Some("999999x"), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, drover_shared::ClientError::Api { body, .. } if body.error == WRONG_CODE)
    );

    // A code is accepted once: the disabling below uses the next step's.
    let step = two_factor::current_step();
    let code = two_factor::code_for_step(&secret, &email, step).unwrap();
    let ok = ts
        .anonymous
        .login_with(&login(&email, Some(&code), None))
        .await
        .unwrap();
    assert!(ok.login);

    // A recovery code works once.
    let with_recovery = login(&email, None, Some(&recovery[0]));
    ts.anonymous.login_with(&with_recovery).await.unwrap();
    let err = ts.anonymous.login_with(&with_recovery).await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));

    // Disabling needs a code; then the password is enough again.
    let raw = artist
        .raw(Method::DELETE, "/auth/totp", None)
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::BAD_REQUEST);
    let code = two_factor::code_for_step(&secret, &email, step + 1).unwrap();
    artist.totp_disable(&code).await.unwrap();
    ts.anonymous.login(&email, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn desktop_login_stands_in_for_the_email() {
    let (ts, admin) = setup().await;
    let person = admin
        .data_create(
            "persons",
            &json!({"first_name": "Lea", "last_name": "Roux", "email": "lea@studio.test",
                    "password": PASSWORD, "role": "user", "desktop_login": "lroux"}),
        )
        .await
        .unwrap();
    assert_eq!(person["role"], "user");
    assert_eq!(person["full_name"], "Lea Roux");
    assert!(person.get("password_hash").is_none() && person.get("password").is_none());
    let login = ts.anonymous.login("lroux", PASSWORD).await.unwrap();
    assert_eq!(login.user.email, "lea@studio.test");
    assert_eq!(login.user.role, Role::Artist);
}

#[tokio::test]
async fn one_project_two_views() {
    let (_ts, admin) = setup().await;
    let made = admin
        .data_create(
            "projects",
            &json!({"name": "Spring", "production_type": "tvshow",
                                         "team": [], "task_types": []}),
        )
        .await
        .unwrap();
    let farm = admin.projects(false).await.unwrap();
    assert!(farm.values().any(|p| p.name == "Spring"), "{farm:?}");

    let farm_made = drover_tests::project(&admin, "Autumn").await;
    let found = admin
        .data_list("projects", &[("name", "autumn")])
        .await
        .unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "names match case-insensitively");
    assert_eq!(found[0]["type"], "Project");
    assert_eq!(found[0]["project_status_id"], made["project_status_id"]);
    assert_eq!(farm_made.name, "Autumn");

    // Names are unique across both views: a clear 400 on either side.
    let err = admin
        .create_project(&drover_shared::api::ProjectInput {
            name: Some("Spring".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let err = admin
        .data_create("projects", &json!({"name": "Autumn"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
}

#[tokio::test]
async fn generic_routes_check_input_and_answer_kitsu_codes() {
    let (ts, admin) = setup().await;
    let org = admin
        .data_create("organisations", &json!({"name": "Blue Fox"}))
        .await
        .unwrap();
    let id = org["id"].as_str().unwrap();

    // Unknown field, wrong type, malformed id, unknown id, unknown model.
    let err = admin
        .data_create("organisations", &json!({"nom": "x"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    assert!(err.to_string().contains("nom"), "{err}");
    let err = admin
        .data_update("organisations", id, &json!({"hours_by_day": "lots"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let err = admin
        .data_get("organisations", "not-a-uuid")
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let missing = uuid::Uuid::new_v4().to_string();
    let err = admin
        .data_delete("organisations", &missing)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::NOT_FOUND));
    let err = admin.data_list("gadgets", &[]).await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::NOT_FOUND));
    let err = admin
        .data_list("task-status", &[("colour", "red")])
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));

    // A duplicate name and a row still referenced are integrity errors.
    let err = admin
        .data_create("organisations", &json!({"name": "Blue Fox"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));
    let shot_type = admin
        .data_list("entity-types", &[("name", "Shot")])
        .await
        .unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let project = admin
        .data_create("projects", &json!({"name": "Ref"}))
        .await
        .unwrap();
    admin
        .data_create(
            "shots",
            &json!({"name": "SH010", "project_id": project["id"]}),
        )
        .await
        .unwrap();
    let err = admin
        .data_delete("entity-types", &shot_type)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::BAD_REQUEST));

    admin.data_delete("organisations", id).await.unwrap();
    let err = admin.data_get("organisations", id).await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::NOT_FOUND));

    // Filters: several values, `[..]` lists, booleans as gazu writes them, and pages.
    let both = admin
        .data_list(
            "task-status",
            &[("short_name", "wip"), ("short_name", "done")],
        )
        .await
        .unwrap();
    assert_eq!(both.as_array().unwrap().len(), 2);
    let listed = admin
        .data_list("task-status", &[("short_name", "[\"todo\", \"wfa\"]")])
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let default = admin
        .data_list("task-status", &[("is_default", "True")])
        .await
        .unwrap();
    assert_eq!(default[0]["short_name"], "todo");
    let page = admin
        .data_list("task-status", &[("page", "2"), ("limit", "4")])
        .await
        .unwrap();
    assert_eq!(page["page"], 2);
    assert_eq!(page["limit"], 4);
    assert_eq!(page["data"].as_array().unwrap().len(), 4);
    assert_eq!(page["nb_pages"], 3);

    // Kitsu's trailing slash, and the index gazu reads the version from.
    let raw = admin
        .raw(Method::GET, "/data/schedule-items/", None)
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::OK);
    let raw = ts.anonymous.raw(Method::GET, "/", None).await.unwrap();
    assert_eq!(raw.body.unwrap()["api"], "Drover");
    // Every production route but the index needs a token.
    let raw = ts
        .anonymous
        .raw(Method::GET, "/data/task-status", None)
        .await
        .unwrap();
    assert_eq!(raw.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn roles_and_teams_decide_what_a_person_sees_and_changes() {
    let (ts, admin) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let artist_id = artist.authenticated().await.unwrap().user.id.to_string();
    let client = ts.client_as(Role::Client).await;
    let manager = ts.client_as(Role::Manager).await;

    let project = admin
        .data_create("projects", &json!({"name": "Team"}))
        .await
        .unwrap();
    let pid = project["id"].as_str().unwrap();
    let seq = admin
        .data_create("sequences", &json!({"name": "SQ01", "project_id": pid}))
        .await
        .unwrap();

    // Studio settings: everyone reads, only admins write.
    assert!(
        !artist
            .data_list("task-types", &[])
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let err = artist
        .data_create("departments", &json!({"name": "Anim"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN));
    let err = manager
        .data_create("task-status", &json!({"name": "X", "short_name": "x"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN));

    // Schedules are for managers.
    let err = artist.data_list("schedule-items", &[]).await.unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN));
    manager.data_list("schedule-items", &[]).await.unwrap();

    // Off the team, a project and its shots are invisible; on it, visible but read-only for
    // artists; managers see and change everything.
    assert!(
        artist
            .data_list("projects", &[])
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let err = artist
        .data_get("sequences", seq["id"].as_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::NOT_FOUND));
    admin
        .data_update("projects", pid, &json!({"team": [artist_id]}))
        .await
        .unwrap();
    assert_eq!(
        artist
            .data_list("sequences", &[])
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let err = artist
        .data_create(
            "shots",
            &json!({"name": "SH010", "project_id": pid, "parent_id": seq["id"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN));
    manager
        .data_create(
            "shots",
            &json!({"name": "SH010", "project_id": pid, "parent_id": seq["id"]}),
        )
        .await
        .unwrap();
    let shots = artist
        .data_list("shots", &[("sequence_id", seq["id"].as_str().unwrap())])
        .await
        .unwrap();
    assert_eq!(shots.as_array().unwrap().len(), 1);

    // Clients read only; the person list hides others' email from non-admins.
    let err = client
        .data_create(
            "desktop-login-logs",
            &json!({"date": "2024-05-01T10:00:00"}),
        )
        .await;
    assert!(
        err.is_ok(),
        "a person's own log is theirs to write: {err:?}"
    );
    let people = artist.data_list("persons", &[]).await.unwrap();
    let others: Vec<_> = people
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] != artist_id.as_str())
        .collect();
    assert!(others.iter().all(|p| p.get("email").is_none()));
    let err = artist
        .data_update("persons", &artist_id, &json!({"role": "admin"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN));

    // A person edits their own profile, as Kitsu's profile page does: the whole person sent
    // back, what only admins change left as it was.
    let mut me = artist.data_get("persons", &artist_id).await.unwrap();
    me.insert("first_name".into(), json!("Ada"));
    me.insert("phone".into(), json!("+33 1 23 45 67 89"));
    me.insert("timezone".into(), json!("Europe/London"));
    let changed = artist
        .data_update("persons", &artist_id, &serde_json::Value::Object(me))
        .await
        .unwrap();
    assert_eq!(
        (
            &changed["first_name"],
            &changed["role"],
            &changed["full_name"]
        ),
        (&json!("Ada"), &json!("user"), &json!("Ada"))
    );
    for (field, value) in [
        ("active", json!(false)),
        ("daily_salary", json!(900)),
        ("departments", json!([uuid::Uuid::new_v4()])),
        ("password", json!("a new password here")),
    ] {
        let err = artist
            .data_update("persons", &artist_id, &json!({ field: value }))
            .await
            .unwrap_err();
        assert_eq!(status(&err), Some(StatusCode::FORBIDDEN), "{field}");
    }
    let admin_id = admin.authenticated().await.unwrap().user.id.to_string();
    let err = artist
        .data_update("persons", &admin_id, &json!({"first_name": "Eve"}))
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(StatusCode::FORBIDDEN), "someone else");
    // The role gate reads the model as the handler does: no spelling slips past it.
    let spelled = artist
        .raw(
            reqwest::Method::PUT,
            &format!("/data/task%2Dstatus/{}", uuid::Uuid::new_v4()),
            Some(&json!({"name": "x"})),
        )
        .await
        .unwrap();
    assert_eq!(spelled.status, StatusCode::FORBIDDEN);

    // An admin's change of role holds from the person's next request; so does deactivation.
    admin
        .data_update("persons", &artist_id, &json!({"role": "manager"}))
        .await
        .unwrap();
    artist.data_list("schedule-items", &[]).await.unwrap();
    admin
        .data_update("persons", &artist_id, &json!({"active": false}))
        .await
        .unwrap();
    let err = artist.authenticated().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
}
