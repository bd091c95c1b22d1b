//! Timesheets, days off, the open task lists and filter groups, as Kitsu's "Timesheets",
//! "Days off", "Tasks" and team schedule pages and gazu's `person`, `task` and `user`
//! modules read them. Each handler parses its path and query (400 on a bad year, month,
//! week, day or id) and leaves who reads what to [`crate::production::db::timesheets`],
//! [`crate::production::db::open_tasks`] and [`crate::production::db::filter_groups`].

use super::data::query_pairs;
use super::gate::Routes;
use super::{Fields, read, write};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::open_tasks::{self, OpenTasksQuery};
use crate::production::db::quotas::{self, CountMode, QuotaOf};
use crate::production::db::timesheets::{self as db, Span, TableQuery, TableUnit};
use crate::production::db::{Row, filter_groups};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, put};
use serde_json::Value;

type Json<T> = ApiResult<axum::Json<T>>;

/// The timesheet, day off, open task and filter group routes.
pub fn router() -> Routes {
    Routes::new()
        .route(
            "/data/persons/{person}/time-spents/year/{year}",
            get(person_year),
        )
        .route(
            "/data/persons/{person}/time-spents/month/{year}/{month}",
            get(person_month),
        )
        .route(
            "/data/persons/{person}/time-spents/month/all/{year}/{month}",
            get(person_month_all),
        )
        .route(
            "/data/persons/{person}/time-spents/week/{year}/{week}",
            get(person_week),
        )
        .route(
            "/data/persons/{person}/time-spents/day/{year}/{month}/{day}",
            get(person_day),
        )
        .route(
            "/data/persons/{person}/day-offs/year/{year}",
            get(person_year_day_offs),
        )
        .route(
            "/data/persons/{person}/day-offs/month/{year}/{month}",
            get(person_month_day_offs),
        )
        .route(
            "/data/persons/{person}/day-offs/week/{year}/{week}",
            get(person_week_day_offs),
        )
        .route("/data/persons/day-offs/{year}", get(year_day_offs))
        .route("/data/persons/day-offs/{year}/{month}", get(month_day_offs))
        .route("/data/persons/presence-logs/{month}", get(presence_logs))
        .route(
            "/data/persons/time-spents/day-table/{year}/{month}",
            get(day_table),
        )
        .route(
            "/data/persons/time-spents/week-table/{year}",
            get(week_table),
        )
        .route(
            "/data/persons/time-spents/month-table/{year}",
            get(month_table),
        )
        .route("/data/persons/time-spents/year-table", get(year_table))
        .route("/data/entities/{entity}/time-spents", get(entity_time))
        .route(
            "/data/projects/{project}/task-types/{task_type}/time-spents",
            get(task_type_time),
        )
        .route("/export/csv/time-spents.csv", get(time_csv))
        .route("/data/persons/task-dates", get(task_dates))
        .route(
            "/data/persons/{person}/related-tasks/{task_type}",
            get(related_tasks),
        )
        .route(
            "/data/projects/{project}/quotas/{task_type}",
            get(task_type_quotas),
        )
        .route(
            "/data/projects/{project}/quotas/persons/{person}",
            get(person_quotas),
        )
        .route("/data/tasks/open-tasks", get(open_tasks))
        .route("/data/tasks/open-tasks/stats", get(open_tasks_stats))
        .route(
            "/data/user/filter-groups",
            get(filter_groups).post(new_filter_group),
        )
        .route(
            "/data/user/filter-groups/{id}",
            put(update_filter_group).delete(remove_filter_group),
        )
}

/// One query parameter, when given and not empty.
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    query_pairs(raw)
        .into_iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

async fn person_time(
    state: AppState,
    me: crate::auth::CurrentUser,
    person: String,
    span: Result<Span, crate::production::db::DataError>,
    raw: Option<String>,
) -> Json<Vec<Value>> {
    let span = span?;
    let project = param(raw.as_deref(), "project_id");
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::person_time(d, &person, span, project.as_deref())
        })
        .await?,
    ))
}

async fn person_year(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Vec<Value>> {
    person_time(state, me, person, Span::year(&year), raw).await
}

async fn person_month(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, month)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Vec<Value>> {
    person_time(state, me, person, Span::month(&year, &month), raw).await
}

async fn person_week(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, week)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Vec<Value>> {
    person_time(state, me, person, Span::week(&year, &week), raw).await
}

async fn person_day(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, month, day)): Path<(String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Vec<Value>> {
    person_time(state, me, person, Span::day(&year, &month, &day), raw).await
}

async fn person_month_all(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, month)): Path<(String, String, String)>,
) -> Json<Vec<Row>> {
    let span = Span::month(&year, &month)?;
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::person_month_rows(d, &person, span)
        })
        .await?,
    ))
}

async fn person_day_offs(
    state: AppState,
    me: crate::auth::CurrentUser,
    person: String,
    span: Result<Span, crate::production::db::DataError>,
) -> Json<Vec<Value>> {
    let span = span?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::person_day_offs(d, &person, span)).await?,
    ))
}

async fn person_year_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year)): Path<(String, String)>,
) -> Json<Vec<Value>> {
    person_day_offs(state, me, person, Span::year(&year)).await
}

async fn person_month_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, month)): Path<(String, String, String)>,
) -> Json<Vec<Value>> {
    person_day_offs(state, me, person, Span::month(&year, &month)).await
}

async fn person_week_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, year, week)): Path<(String, String, String)>,
) -> Json<Vec<Value>> {
    person_day_offs(state, me, person, Span::week(&year, &week)).await
}

async fn year_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Json<Vec<Value>> {
    let span = Span::year(&year)?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::studio_day_offs(d, span)).await?,
    ))
}

async fn month_day_offs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((year, month)): Path<(String, String)>,
) -> Json<Vec<Value>> {
    let span = Span::month(&year, &month)?;
    Ok(axum::Json(
        read(&state, &me, move |d| db::studio_day_offs(d, span)).await?,
    ))
}

/// A CSV answer, as Kitsu's exports send it.
fn csv(body: String, name: &str) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename={name}"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn presence_logs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(month): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let name = format!("presence-{month}.csv");
    let body = read(&state, &me, move |d| db::presence_log(d, &month)).await?;
    Ok(csv(body, &name))
}

async fn time_csv(
    Authed(me): Authed,
    State(state): State<AppState>,
) -> ApiResult<impl IntoResponse> {
    let body = read(&state, &me, db::time_csv).await?;
    Ok(csv(body, "kitsu_time_spents_export.csv"))
}

fn table_query(raw: Option<&str>) -> TableQuery {
    TableQuery {
        project: param(raw, "project_id"),
        department: param(raw, "department_id"),
        studio: param(raw, "studio_id"),
    }
}

async fn table(
    state: AppState,
    me: crate::auth::CurrentUser,
    unit: TableUnit,
    span: Option<Span>,
    raw: Option<String>,
) -> Json<Row> {
    let q = table_query(raw.as_deref());
    Ok(axum::Json(
        read(&state, &me, move |d| db::time_table(d, unit, span, &q)).await?,
    ))
}

async fn day_table(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((year, month)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    let span = Span::month(&year, &month)?;
    table(state, me, TableUnit::Day, Some(span), raw).await
}

async fn week_table(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(year): Path<String>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    let span = Span::year(&year)?;
    table(state, me, TableUnit::Week, Some(span), raw).await
}

async fn month_table(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(year): Path<String>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    let span = Span::year(&year)?;
    table(state, me, TableUnit::Month, Some(span), raw).await
}

async fn year_table(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    table(state, me, TableUnit::Year, None, raw).await
}

async fn entity_time(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(entity): Path<String>,
) -> Json<Vec<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| db::entity_time(d, &entity)).await?,
    ))
}

async fn task_type_time(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    let start = param(raw.as_deref(), "start_date");
    let end = param(raw.as_deref(), "end_date");
    Ok(axum::Json(
        read(&state, &me, move |d| {
            db::task_type_time(d, &project, &task_type, start.as_deref(), end.as_deref())
        })
        .await?,
    ))
}

async fn task_dates(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Json<Vec<Value>> {
    let project = query_pairs(raw.as_deref())
        .into_iter()
        .find(|(k, _)| k == "project_id")
        .map(|(_, v)| v);
    Ok(axum::Json(
        read(&state, &me, move |d| {
            open_tasks::persons_task_dates(d, project.as_deref())
        })
        .await?,
    ))
}

async fn related_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((person, task_type)): Path<(String, String)>,
) -> Json<Vec<Row>> {
    Ok(axum::Json(
        read(&state, &me, move |d| {
            open_tasks::related_tasks(d, &person, &task_type)
        })
        .await?,
    ))
}

async fn open_tasks(
    Authed(me): Authed,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    let q = OpenTasksQuery::parse(&query_pairs(raw.as_deref()))?;
    Ok(axum::Json(
        read(&state, &me, move |d| open_tasks::open_tasks(d, &q)).await?,
    ))
}

async fn open_tasks_stats(Authed(me): Authed, State(state): State<AppState>) -> Json<Row> {
    Ok(axum::Json(
        read(&state, &me, open_tasks::open_tasks_stats).await?,
    ))
}

async fn filter_groups(Authed(me): Authed, State(state): State<AppState>) -> Json<Row> {
    Ok(axum::Json(
        read(&state, &me, filter_groups::filter_groups).await?,
    ))
}

async fn new_filter_group(
    Authed(me): Authed,
    State(state): State<AppState>,
    Fields(body): Fields,
) -> ApiResult<(StatusCode, axum::Json<Row>)> {
    let made = write(&state, &me, move |d| {
        filter_groups::new_filter_group(d, &body)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(made)))
}

async fn update_filter_group(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Fields(body): Fields,
) -> Json<Row> {
    Ok(axum::Json(
        write(&state, &me, move |d| {
            filter_groups::update_filter_group(d, &id, &body)
        })
        .await?,
    ))
}

async fn remove_filter_group(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    write(&state, &me, move |d| {
        filter_groups::remove_filter_group(d, &id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn quotas_of(
    state: AppState,
    me: crate::auth::CurrentUser,
    project: String,
    of: QuotaOf,
    raw: Option<String>,
) -> Json<Row> {
    let mode = CountMode::parse(param(raw.as_deref(), "count_mode").as_deref())?;
    let studio = param(raw.as_deref(), "studio_id");
    Ok(axum::Json(
        read(&state, &me, move |d| {
            quotas::quotas(d, &project, &of, mode, studio.as_deref())
        })
        .await?,
    ))
}

async fn task_type_quotas(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, task_type)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    quotas_of(state, me, project, QuotaOf::TaskType(task_type), raw).await
}

async fn person_quotas(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path((project, person)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Json<Row> {
    quotas_of(state, me, project, QuotaOf::Person(person), raw).await
}
