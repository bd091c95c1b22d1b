//! The person's own routes (`/data/user/*`, `/actions/user/*`) and the person routes gazu
//! calls by name: departments and shot quotas.

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::data::text;
use crate::production::db::names;
use crate::production::db::project::{self, QuotaMode};
use crate::production::db::user as db;
use crate::production::db::{DataError, Row};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use serde_json::{Value, json};

/// The person's own routes and the person routes gazu calls.
pub fn router() -> Routes {
    Routes::new()
        .route("/data/user/context", get(context))
        .route("/data/user/done-tasks", get(done_tasks))
        .route("/data/user/tasks", get(tasks_to_do))
        .route("/data/user/filters", get(filters).post(new_filter))
        .route(
            "/data/user/filters/{id}",
            put(update_filter).delete(remove_filter),
        )
        .route(
            "/data/user/desktop-login-logs",
            get(desktop_logins).post(log_desktop_login),
        )
        .route("/data/user/notifications", get(notifications))
        .route(
            "/data/user/notifications/{id}",
            get(notification).put(update_notification),
        )
        .route(
            "/actions/user/notifications/mark-all-as-read",
            post(mark_all_read),
        )
        .route(
            "/actions/persons/{person}/departments/add",
            post(add_department),
        )
        .route(
            "/actions/persons/{person}/departments/{department}",
            delete(remove_department),
        )
        .route(
            "/data/persons/{person}/quota-shots/day/{year}/{month}/{day}",
            get(quota_shots),
        )
}

/// `GET /data/user/context`: what Kitsu's web front end loads after login.
async fn context(Authed(me): Authed, State(state): State<AppState>) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(read(&state, &me, db::context).await?))
}

async fn done_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, |d| db::my_tasks(d, true)).await?,
    ))
}

async fn tasks_to_do(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(
        read(&state, &me, |d| db::my_tasks(d, false)).await?,
    ))
}

async fn filters(Authed(me): Authed, State(state): State<AppState>) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(read(&state, &me, db::filters).await?))
}

async fn new_filter(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let made = write(&state, &me, move |d| db::new_filter(d, &body)).await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn update_filter(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Fields(mut body): Fields,
) -> ApiResult<axum::Json<Row>> {
    // Kitsu's clients call the saved query `query`; it is stored as `search_query`.
    if let Some(query) = body.remove("query") {
        body.insert("search_query".into(), query);
    }
    Ok(axum::Json(
        write(&state, &me, move |d| {
            d.update(names::SEARCH_FILTERS, &id, Value::Object(body))
        })
        .await?,
    ))
}

async fn remove_filter(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| d.delete(names::SEARCH_FILTERS, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn desktop_logins(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    Ok(axum::Json(read(&state, &me, db::desktop_logins).await?))
}

/// Takes `date` as a form field (the seed's form) or in a JSON object (gazu's).
async fn log_desktop_login(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let date = match body.get("date") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(ApiError::BadRequest("`date` must be a date".into())),
    };
    let made = write(&state, &me, move |d| {
        db::log_desktop_login(d, date.as_deref())
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn notifications(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Vec<Row>>> {
    let mut found = read(&state, &me, |d| {
        d.list(
            names::NOTIFICATIONS,
            &[("person_id", &d.viewer.id.to_string())],
        )
    })
    .await?;
    found.sort_by(|a, b| text(b, "created_at").cmp(text(a, "created_at")));
    Ok(axum::Json(found))
}

async fn notification(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| own_notification(d, &id)).await?,
    ))
}

fn own_notification(d: &crate::production::db::Data, id: &str) -> Result<Row, DataError> {
    let found = d.get(names::NOTIFICATIONS, id)?;
    if d.viewer.is(text(&found, "person_id")) {
        Ok(found)
    } else {
        Err(DataError::NotFound(format!("notification {id} not found")))
    }
}

async fn update_notification(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Fields(body): Fields,
) -> ApiResult<axum::Json<Row>> {
    let read_flag = body.get("read").cloned().unwrap_or(Value::Bool(true));
    Ok(axum::Json(
        write(&state, &me, move |d| {
            own_notification(d, &id)?;
            d.update(names::NOTIFICATIONS, &id, json!({ "read": read_flag }))
        })
        .await?,
    ))
}

async fn mark_all_read(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<axum::Json<Value>> {
    write(&state, &me, db::mark_all_read).await?;
    Ok(axum::Json(project::success()))
}

async fn add_department(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(person): Path<String>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let person = write(&state, &me, move |d| {
        project::add_department(d, &person, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(person)))
}

async fn remove_department(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, department)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| {
        if d.viewer.role != drover_shared::Role::Admin {
            return Err(DataError::Forbidden(
                "only admins may change a person's departments".into(),
            ));
        }
        db::remove_department(d.conn, &person, &department)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn quota_shots(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, month, day)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<axum::Json<Vec<Value>>> {
    let date = (|| {
        let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
        time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
    })()
    .ok_or_else(|| ApiError::NotFound("Wrong date format".into()))?;
    let pairs = query_pairs(raw.as_deref());
    let mode = pairs
        .iter()
        .find(|(k, _)| k == "count_mode")
        .map(|(_, v)| v.as_str());
    let mode = QuotaMode::parse(mode)?;
    let day = date.to_string();
    Ok(axum::Json(
        read(&state, &me, move |d| {
            project::quota_shots(d, &person, &day, mode)
        })
        .await?,
    ))
}
