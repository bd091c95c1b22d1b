//! Timesheets, days off, the open task lists and filter groups, as Kitsu's "Timesheets",
//! "Days off", "Tasks" and team schedule pages and gazu's `person`, `task` and `user`
//! modules read them. Each handler parses its path and query (400 on a bad year, month,
//! week, day or id) and leaves who reads what to [`crate::production::db::timesheets`],
//! [`crate::production::db::open_tasks`] and [`crate::production::db::filter_groups`].

use super::gate::Routes;
use super::{Params, csv, delete_write, get_csv, get_query, get_read, post_made, put_write, read};
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::production::db::open_tasks::{self, OpenTasksQuery};
use crate::production::db::quotas::{self, CountMode, QuotaOf};
use crate::production::db::timesheets::{self as db, Span, TableQuery, TableUnit};
use crate::production::db::{Data, DataError, Row, filter_groups};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

/// The timesheet, day off, open task and filter group routes.
pub fn router() -> Routes {
    type Two = (String, String);
    type Three = (String, String, String);
    Routes::new()
        .route(
            "/data/persons/{person}/time-spents/year/{year}",
            get_query(|d, (person, year): Two, q| {
                db::person_time(d, &person, Span::year(&year)?, q.get("project_id"))
            }),
        )
        .route(
            "/data/persons/{person}/time-spents/month/{year}/{month}",
            get_query(|d, (person, year, month): Three, q| {
                let span = Span::month(&year, &month)?;
                db::person_time(d, &person, span, q.get("project_id"))
            }),
        )
        .route(
            "/data/persons/{person}/time-spents/month/all/{year}/{month}",
            get_read(|d, (person, year, month): Three| {
                db::person_month_rows(d, &person, Span::month(&year, &month)?)
            }),
        )
        .route(
            "/data/persons/{person}/time-spents/week/{year}/{week}",
            get_query(|d, (person, year, week): Three, q| {
                let span = Span::week(&year, &week)?;
                db::person_time(d, &person, span, q.get("project_id"))
            }),
        )
        .route(
            "/data/persons/{person}/time-spents/day/{year}/{month}/{day}",
            get_query(
                |d, (person, year, month, day): (String, String, String, String), q| {
                    let span = Span::day(&year, &month, &day)?;
                    db::person_time(d, &person, span, q.get("project_id"))
                },
            ),
        )
        .route(
            "/data/persons/{person}/day-offs/year/{year}",
            get_read(|d, (person, year): Two| db::person_day_offs(d, &person, Span::year(&year)?)),
        )
        .route(
            "/data/persons/{person}/day-offs/month/{year}/{month}",
            get_read(|d, (person, year, month): Three| {
                db::person_day_offs(d, &person, Span::month(&year, &month)?)
            }),
        )
        .route(
            "/data/persons/{person}/day-offs/week/{year}/{week}",
            get_read(|d, (person, year, week): Three| {
                db::person_day_offs(d, &person, Span::week(&year, &week)?)
            }),
        )
        .route(
            "/data/persons/day-offs/{year}",
            get_read(|d, year: String| db::studio_day_offs(d, Span::year(&year)?)),
        )
        .route(
            "/data/persons/day-offs/{year}/{month}",
            get_read(|d, (year, month): Two| db::studio_day_offs(d, Span::month(&year, &month)?)),
        )
        .route("/data/persons/presence-logs/{month}", get(presence_logs))
        .route(
            "/data/persons/time-spents/day-table/{year}/{month}",
            get_query(|d, (year, month): Two, q| {
                let span = Span::month(&year, &month)?;
                db::time_table(d, TableUnit::Day, Some(span), &table_query(q))
            }),
        )
        .route(
            "/data/persons/time-spents/week-table/{year}",
            get_query(|d, year: String, q| {
                let span = Span::year(&year)?;
                db::time_table(d, TableUnit::Week, Some(span), &table_query(q))
            }),
        )
        .route(
            "/data/persons/time-spents/month-table/{year}",
            get_query(|d, year: String, q| {
                let span = Span::year(&year)?;
                db::time_table(d, TableUnit::Month, Some(span), &table_query(q))
            }),
        )
        .route(
            "/data/persons/time-spents/year-table",
            get_query(|d, (): (), q| db::time_table(d, TableUnit::Year, None, &table_query(q))),
        )
        .route(
            "/data/entities/{entity}/time-spents",
            get_read(|d, entity: String| db::entity_time(d, &entity)),
        )
        .route(
            "/data/projects/{project}/task-types/{task_type}/time-spents",
            get_query(|d, (project, task_type): Two, q| {
                db::task_type_time(
                    d,
                    &project,
                    &task_type,
                    q.get("start_date"),
                    q.get("end_date"),
                )
            }),
        )
        .route(
            "/export/csv/time-spents.csv",
            get_csv("kitsu_time_spents_export.csv", db::time_csv),
        )
        .route(
            "/data/persons/task-dates",
            get_query(|d, (): (), q| open_tasks::persons_task_dates(d, q.get("project_id"))),
        )
        .route(
            "/data/persons/{person}/related-tasks/{task_type}",
            get_read(|d, (person, task_type): Two| {
                open_tasks::related_tasks(d, &person, &task_type)
            }),
        )
        .route(
            "/data/projects/{project}/quotas/{task_type}",
            get_query(|d, (project, task_type): Two, q| {
                quotas_of(d, &project, &QuotaOf::TaskType(task_type), q)
            }),
        )
        .route(
            "/data/projects/{project}/quotas/persons/{person}",
            get_query(|d, (project, person): Two, q| {
                quotas_of(d, &project, &QuotaOf::Person(person), q)
            }),
        )
        .route(
            "/data/tasks/open-tasks",
            get_query(|d, (): (), q| open_tasks::open_tasks(d, &OpenTasksQuery::parse(q.pairs())?)),
        )
        .route(
            "/data/tasks/open-tasks/stats",
            get_read(|d, (): ()| open_tasks::open_tasks_stats(d)),
        )
        .route(
            "/data/user/filter-groups",
            get_read(|d, (): ()| filter_groups::filter_groups(d)).merge(post_made(
                |d, (): (), body| filter_groups::new_filter_group(d, &body),
            )),
        )
        .route(
            "/data/user/filter-groups/{id}",
            put_write(|d, id: String, body| filter_groups::update_filter_group(d, &id, &body))
                .merge(delete_write(|d, id: String| {
                    filter_groups::remove_filter_group(d, &id)
                })),
        )
}

/// The filters of the studio's time tables.
fn table_query(q: &Params) -> TableQuery {
    TableQuery {
        project: q.get("project_id").map(str::to_owned),
        department: q.get("department_id").map(str::to_owned),
        studio: q.get("studio_id").map(str::to_owned),
    }
}

/// A production's quotas by task type or person, counted as `?count_mode=` says.
fn quotas_of(d: &Data, project: &str, of: &QuotaOf, q: &Params) -> Result<Row, DataError> {
    let mode = CountMode::parse(q.get("count_mode"))?;
    quotas::quotas(d, project, of, mode, q.get("studio_id"))
}

async fn presence_logs(
    Authed(me): Authed,
    State(state): State<AppState>,
    Path(month): Path<String>,
) -> ApiResult<Response> {
    let name = format!("presence-{month}.csv");
    let body = read(&state, &me, move |d| db::presence_log(d, &month)).await?;
    Ok(csv(body, &name))
}
