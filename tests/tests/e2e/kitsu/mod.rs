//! The Kitsu routes gazu calls by name, as Zou's API reference lists them: the breakdown,
//! casting and output files ([`breakdown`]); reviews with previews, time, people, user routes
//! and the CSV export ([`review`]); files attached to comments ([`attachments`]); and farm ⇄
//! production, a render job commenting on its task ([`render`]); Kitsu's web front end as a
//! browser speaks to it ([`web`]) and the live events its pages hear ([`live`]). Here: the helpers they share.

mod admin_lists;
mod attachments;
mod breakdown;
mod builds;
mod bulk;
mod chats;
mod exports;
mod imports;
mod imports_more;
mod limits;
pub(crate) mod listener;
mod live;
mod planning;
mod plans;
mod playlists;
mod productions;
mod related;
mod render;
mod review;
mod shares;
mod tasks;
mod timesheets;
mod web;
mod web_routes;

use drover_shared::Client;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sends a request and checks its status; returns the JSON body.
pub async fn call(
    client: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
    want: u16,
) -> Value {
    let answer = client
        .raw(method.clone(), path, body.as_ref())
        .await
        .unwrap();
    assert_eq!(
        answer.status.as_u16(),
        want,
        "{method} {path}: {:?}",
        answer.body
    );
    answer.body.unwrap_or(Value::Null)
}

/// The person a client is logged in as.
pub async fn person_id(client: &Client) -> String {
    client.authenticated().await.unwrap().user.id.to_string()
}

/// Puts `person` on the team of `project`; answers their person id.
pub async fn join(admin: &Client, project: &str, person: &Client) -> String {
    let person_id = person_id(person).await;
    call(
        admin,
        Method::POST,
        &format!("/data/projects/{project}/team"),
        Some(json!({ "person_id": person_id })),
        201,
    )
    .await;
    person_id
}

/// A new person of `role` on the team of `project`, with their person id.
pub async fn member(
    ts: &drover_tests::TestServer,
    admin: &Client,
    project: &str,
    role: drover_shared::Role,
) -> (Client, String) {
    let client = ts.client_as(role).await;
    let person = join(admin, project, &client).await;
    (client, person)
}

/// The `id`s of a list's rows, in order.
pub fn ids(list: &Value) -> Vec<&str> {
    column(list, "id")
}

/// The `name`s of a list's rows, in order.
pub fn names(list: &Value) -> Vec<&str> {
    column(list, "name")
}

/// One text field of each of a list's rows, in order.
fn column<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|row| row[field].as_str().unwrap())
        .collect()
}

pub fn id(row: &Value) -> String {
    row["id"].as_str().unwrap().to_owned()
}

/// A 1×1 picture.
pub fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::new_rgb8(64, 48)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Posts `bytes` as the multipart part `file`.
pub async fn upload(client: &Client, path: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let file = Part::File {
        part: "file",
        name,
        content_type: "application/octet-stream",
        bytes,
    };
    multipart(client, path, &[file]).await
}

/// One part of a multipart body.
pub enum Part<'a> {
    /// A text field.
    Text(&'a str, &'a str),
    /// A file: the part's name, the file's name, its declared type and its bytes.
    File {
        part: &'a str,
        name: &'a str,
        content_type: &'a str,
        bytes: &'a [u8],
    },
}

/// Posts a multipart body, as Python's `requests` builds it for gazu.
pub async fn multipart(client: &Client, path: &str, parts: &[Part<'_>]) -> (StatusCode, Value) {
    let boundary = "drover-test-boundary";
    let mut body = Vec::new();
    for part in parts {
        let head = match part {
            Part::Text(name, _) => {
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
            }
            Part::File {
                part,
                name,
                content_type,
                ..
            } => format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; \
                 filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            ),
        };
        body.extend_from_slice(head.as_bytes());
        match part {
            Part::Text(_, value) => body.extend_from_slice(value.as_bytes()),
            Part::File { bytes, .. } => body.extend_from_slice(bytes),
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", client.api_url()))
        .bearer_auth(client.token().unwrap())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// A production project with an episode, a sequence, a shot with a task, and an asset.
pub struct Breakdown {
    pub project: String,
    pub episode: String,
    pub sequence: String,
    pub shot: String,
    pub asset: String,
    pub task: String,
}

pub async fn breakdown(admin: &Client, name: &str) -> Breakdown {
    let project = call(
        admin,
        Method::POST,
        "/data/projects",
        Some(json!({"name": name})),
        201,
    )
    .await;
    let p = id(&project);
    let character = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000201";
    let asset = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/asset-types/{character}/assets/new"),
        Some(json!({"name": "Hero", "description": "the lead", "data": {"rig": "v1"}})),
        201,
    )
    .await;
    assert_eq!(asset["type"], "Asset");
    let episode = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/episodes"),
        Some(json!({"name": "E01"})),
        201,
    )
    .await;
    // Made without `data`, it is an object all the same: Kitsu's lists read `data.fps`.
    assert_eq!(episode["data"], json!({}), "{episode}");
    let e = id(&episode);
    let body = json!({"name": "SQ01", "episode_id": e});
    let sequence = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/sequences"),
        Some(body.clone()),
        201,
    )
    .await;
    // Made again, it is the same sequence: Kitsu's creation routes are idempotent.
    let again = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/sequences"),
        Some(body),
        201,
    )
    .await;
    assert_eq!(id(&again), id(&sequence));
    assert_eq!(sequence["data"], json!({}), "{sequence}");
    let s = id(&sequence);
    let shot = call(
        admin,
        Method::POST,
        &format!("/data/projects/{p}/shots"),
        Some(json!({"name": "SH010", "sequence_id": s, "data": {"frame_in": 1, "frame_out": 48}})),
        201,
    )
    .await;
    let todo = "3c1e3b0e-8a33-4a43-9d57-5a8c8f000101";
    let animation = call(
        admin,
        Method::GET,
        "/data/task-types?name=Animation",
        None,
        200,
    )
    .await[0]
        .clone();
    let task = call(
        admin,
        Method::POST,
        "/data/tasks",
        Some(
            json!({"project_id": p, "entity_id": id(&shot), "task_type_id": id(&animation),
                    "task_status_id": todo}),
        ),
        201,
    )
    .await;
    Breakdown {
        project: p,
        episode: e,
        sequence: s,
        shot: id(&shot),
        asset: id(&asset),
        task: id(&task),
    }
}
