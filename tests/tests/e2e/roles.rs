//! The role matrix, walked over every route of the served OpenAPI document: without a token
//! every route but login and token refresh answers 401; an artist gets 403 on every route
//! whose `bearer` scopes name a higher role.

use drover_shared::Role;
use drover_shared::events::EventQuery;
use drover_tests::setup;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A path with its parameters filled with values of the shape the operation declares: a
/// fresh UUID for UUIDs, the first of a parameter's allowed values, a date for dates.
fn concrete(path: &str, operation: &serde_json::Value) -> String {
    let declared = |name: &str| {
        operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == name && p["in"] == "path")
            .map(|p| p["schema"].clone())
            .unwrap_or_default()
    };
    path.split('/')
        .map(|part| {
            let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
                return part.to_owned();
            };
            let schema = declared(name);
            if let Some(first) = schema["enum"][0].as_str() {
                return first.to_owned();
            }
            match (schema["format"].as_str(), name) {
                (Some("uuid"), _) | (_, "uuid") => uuid::Uuid::new_v4().to_string(),
                (Some("date"), _) => "2026-01-02".to_owned(),
                (_, "path") => "somewhere".to_owned(),
                (_, "file") => format!("{}.png", uuid::Uuid::new_v4()),
                _ => "1".to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_route_checks_token_and_role() {
    let (ts, admin) = setup().await;
    let artist = ts.client_as(Role::Artist).await;
    let document = ts.anonymous.openapi().await.unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 150, "{} paths", paths.len());
    let err = ts
        .anonymous
        .events(&EventQuery::default())
        .await
        .err()
        .expect("401");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(artist.events(&EventQuery::default()).await.is_ok());
    let mut checked = 0;
    let mut restricted = 0;
    let mut logged_out = false;
    let mut operations: Vec<(&String, &String, &serde_json::Value)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .iter()
                .map(move |(m, op)| (path, m, op))
        })
        .collect();
    // Logging out ends the sessions the walk uses: do it last.
    operations.sort_by_key(|(path, _, _)| path.as_str() == "/auth/logout");
    for (path, method, operation) in operations {
        if path == "/events" {
            // An endless stream: checked below through the client instead of read whole.
            continue;
        }
        {
            let method: Method = method.to_uppercase().parse().unwrap();
            let url = concrete(path, operation);
            let body = json!({});
            let security = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let public = security
                .iter()
                .any(|s| s.as_object().is_some_and(serde_json::Map::is_empty));
            let anonymous = ts
                .anonymous
                .raw(method.clone(), &url, Some(&body))
                .await
                .unwrap();
            if public {
                assert_ne!(anonymous.status, StatusCode::FORBIDDEN, "{method} {path}");
            } else {
                assert_eq!(
                    anonymous.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} without a token"
                );
                assert_eq!(anonymous.body.unwrap()["error"], "unauthorized");
            }
            let scopes: Vec<String> = security
                .iter()
                .filter_map(|s| s["bearer"].as_array())
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect();
            let as_artist = artist.raw(method.clone(), &url, Some(&body)).await.unwrap();
            let worker_only = security.iter().any(|s| s.get("worker").is_some());
            // A scope names the least role; artists are below supervisors.
            let above_artist = scopes
                .iter()
                .filter_map(|s| s.parse::<Role>().ok())
                .any(|role| !Role::Artist.allows(role));
            if worker_only || above_artist {
                restricted += 1;
                assert_eq!(
                    as_artist.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as an artist"
                );
            } else {
                // Open to artists by role; a production write may still be refused by a team
                // or ownership rule (nothing here is on a team), never for the role itself.
                let message = as_artist.body.as_ref().map(|b| b["message"].to_string());
                assert!(
                    as_artist.status != StatusCode::FORBIDDEN
                        || !message.as_deref().unwrap_or("").contains("needs the"),
                    "{method} {path} as an artist: {message:?}"
                );
            }
            let as_admin = admin.raw(method.clone(), &url, Some(&body)).await.unwrap();
            checked += 1;
            if path == "/auth/refresh-token" {
                // Takes the refresh token, not an access token: 401 is right here.
                assert_eq!(as_admin.status, StatusCode::UNAUTHORIZED);
                continue;
            }
            if path == "/auth/logout" {
                if logged_out {
                    // Logout has two methods (gazu's GET, POST): the first ended the session.
                    assert_eq!(as_admin.status, StatusCode::UNAUTHORIZED);
                    continue;
                }
                logged_out = true;
            }
            if worker_only {
                // People do not speak the worker protocol, admins included.
                assert_eq!(
                    as_admin.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as an admin"
                );
                continue;
            }
            assert!(
                as_admin.status != StatusCode::FORBIDDEN
                    && as_admin.status != StatusCode::UNAUTHORIZED,
                "{method} {path} as an admin answered {}",
                as_admin.status
            );
            assert!(
                !as_admin.status.is_server_error(),
                "{method} {path}: {:?}",
                as_admin.body
            );
        }
    }

    // The farm's routes and the production ones: every model and every named Kitsu route.
    assert!(checked >= 300, "{checked} operations");
    assert!(restricted >= 100, "{restricted} restricted operations");
}

#[tokio::test]
async fn the_document_lists_types_for_every_route() {
    let (ts, _) = setup().await;
    let document = ts.anonymous.openapi().await.unwrap();
    assert_eq!(
        document["openapi"].as_str().unwrap().chars().next(),
        Some('3')
    );
    for name in [
        "Job",
        "SubmitJob",
        "Task",
        "Project",
        "ErrorBody",
        "LoginResponse",
        "Worker",
    ] {
        assert!(
            document["components"]["schemas"][name].is_object(),
            "schema {name}"
        );
    }
    let submit = &document["paths"]["/jobs"]["post"];
    assert!(submit["requestBody"].is_object());
    assert!(submit["responses"]["201"].is_object());
    // Production: each model's rows and inputs, from the server's schema, and Kitsu's routes.
    let task = &document["components"]["schemas"]["KitsuTask"]["properties"];
    assert_eq!(task["project_id"]["format"], "uuid");
    let list = &document["paths"]["/data/tasks"]["get"];
    assert_eq!(
        // The rows, or with `page` Kitsu's page object around them.
        list["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"][0]["items"]["$ref"],
        "#/components/schemas/KitsuTask"
    );
    let comment = &document["paths"]["/actions/tasks/{task}/comment"]["post"];
    assert!(comment["requestBody"]["content"]["multipart/form-data"].is_object());
    let csv = &document["paths"]["/export/csv/tasks.csv"]["get"];
    assert_eq!(csv["security"][0]["bearer"][0], "manager");
}
