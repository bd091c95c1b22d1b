//! `/stats` of the farm API: the farm's history over a range of days — render hours, task runs
//! completed and failed, energy, CO2e and cost — by day, project, person, job or worker, as
//! JSON and as CSV. People who are not managers see their team's projects only. And
//! `/farm/disk`, what fills the server's disk (managers).

use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::farm::db;
use crate::farm::db::stats::{Days, Sums};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use drover_shared::ErrorBody;
use drover_shared::api::{FarmDisk, FarmStats, MAX_STATS_DAYS, StatsGroup, StatsQuery, StatsRow};
use time::{
    Date, OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: f64 = 3_600_000.0;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(stats_csv))
        .routes(routes!(disk))
}

/// What fills the server's data dir (logs, last-rendered pictures, outputs, job files,
/// production media, the database) and the room left on its disk. Managers and admins.
#[utoipa::path(get, path = "/farm/disk", tag = "stats", security(("bearer" = ["manager"])),
    responses(
        (status = 200, body = FarmDisk),
        (status = 403, description = "Not a manager", body = ErrorBody),
    ))]
async fn disk(Authed(me): Authed, State(state): State<AppState>) -> ApiResult<Json<FarmDisk>> {
    me.require(drover_shared::Role::Manager)?;
    let dir = state.data_dir.clone();
    let disk = tokio::task::spawn_blocking(move || crate::farm::housekeeping::disk_use(&dir))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the disk's use: {e}")))?;
    Ok(Json(disk))
}

fn parse_day(text: &str, name: &str) -> ApiResult<Date> {
    Date::parse(text, DAY)
        .map_err(|_| ApiError::BadRequest(format!("`{name}` must be a date, YYYY-MM-DD")))
}

/// The range asked for, checked: `to` defaults to today, `from` to 6 days before it.
fn range(query: &StatsQuery, today: Date) -> ApiResult<(Days, i64)> {
    let to = match &query.to {
        Some(text) => parse_day(text, "to")?,
        None => today,
    };
    let from = match &query.from {
        Some(text) => parse_day(text, "from")?,
        None => to - time::Duration::days(6),
    };
    if from > to {
        return Err(ApiError::BadRequest("`from` is after `to`".into()));
    }
    let count = (to - from).whole_days() + 1;
    if count > MAX_STATS_DAYS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_STATS_DAYS} days at once"
        )));
    }
    let format = |day: Date| day.format(DAY).unwrap_or_default();
    Ok((
        Days {
            from: format(from),
            to: format(to),
        },
        count,
    ))
}

/// The history as asked, worked out with the farm's rates.
async fn history(
    state: &AppState,
    me: &crate::auth::CurrentUser,
    query: StatsQuery,
) -> ApiResult<FarmStats> {
    let (days, count) = range(&query, OffsetDateTime::now_utc().date())?;
    if query.by == StatsGroup::Worker {
        // A node's history is every project's: the farm's to see, not a team's.
        me.require(drover_shared::Role::Manager)?;
    }
    let (from, to) = (days.from.clone(), days.to.clone());
    let member = me.sight().team_member();
    let by = query.by;
    // Every run ended so far counts: the rollups catch up first (usually nothing to do), in
    // the writer; the sums are then read beside it, so a long range never holds dispatch up.
    state
        .store
        .write(|c| {
            while db::stats::roll_up(c)? > 0 {}
            Ok::<_, ApiError>(())
        })
        .await?;
    let (sums, settings) = state
        .store
        .read(move |c| {
            Ok::<_, ApiError>((
                db::stats::sums(c, &days, by, member)?,
                db::settings::load(c)?,
            ))
        })
        .await?;
    let rate = |sums: &Sums| -> StatsRow {
        let kwh = sums.wh / 1000.0;
        let core_hours = sums.core_ms as f64 / MS_PER_HOUR;
        StatsRow {
            key: sums.key.clone(),
            label: sums.label.clone(),
            render_hours: sums.ms as f64 / MS_PER_HOUR,
            core_hours,
            completed: sums.completed,
            failed: sums.failed,
            stopped: sums.stopped,
            kwh,
            co2e_kg: kwh * settings.grid_gco2e_per_kwh / 1000.0,
            cost: kwh * settings.cost_per_kwh + core_hours * settings.cost_per_core_hour,
            utilisation: (by == StatsGroup::Worker)
                .then(|| (sums.ms as f64 / (count * MS_PER_DAY) as f64).min(1.0)),
        }
    };
    let mut total = Sums {
        key: "total".into(),
        label: "Total".into(),
        ..Sums::default()
    };
    for row in &sums {
        total.completed += row.completed;
        total.failed += row.failed;
        total.stopped += row.stopped;
        total.ms += row.ms;
        total.wh += row.wh;
        total.core_ms += row.core_ms;
    }
    let mut rows: Vec<StatsRow> = sums.iter().map(rate).collect();
    if by == StatsGroup::Day {
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        rows.sort_by(|a, b| b.render_hours.total_cmp(&a.render_hours));
    }
    let mut total = rate(&total);
    total.utilisation = None;
    Ok(FarmStats {
        from,
        to,
        by,
        rows,
        total,
        grid_gco2e_per_kwh: settings.grid_gco2e_per_kwh,
        cost_per_kwh: settings.cost_per_kwh,
        cost_per_core_hour: settings.cost_per_core_hour,
        currency: settings.cost_currency,
    })
}

/// The farm's history over a range of days (UTC; the last 7 by default, at most ten years):
/// render hours (every run, failed ones too), core-hours, task runs completed, failed and
/// stopped, energy (measured where the render nodes report their draw, estimated elsewhere
/// from their rated draw and load), CO2e at the farm's `grid_gco2e_per_kwh`, and cost at its
/// `cost_per_kwh` and `cost_per_core_hour`; one row per day, project, person, job or worker
/// (with its utilisation; managers only, a node's history being every project's). Kept when
/// jobs are deleted.
#[utoipa::path(get, path = "/stats", tag = "stats", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = FarmStats), (status = 400, body = ErrorBody),
        (status = 403, description = "`by=worker` for someone not a manager", body = ErrorBody)))]
async fn stats(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<Json<FarmStats>> {
    Ok(Json(history(&state, &me, query).await?))
}

/// A value for a CSV cell: a label that a spreadsheet would run as a formula is quoted
/// (`=`, `+`, `-`, `@` first).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The same history as `GET /stats`, as CSV with a header row and a final total row, for a
/// spreadsheet or a carbon report.
#[utoipa::path(get, path = "/stats.csv", tag = "stats", params(StatsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "text/csv", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn stats_csv(
    Authed(me): Authed,
    State(state): State<AppState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<Response> {
    let history = history(&state, &me, query).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let currency = format!("cost_{}", history.currency.to_lowercase());
    let header = [
        history.by.as_str(),
        "name",
        "render_hours",
        "core_hours",
        "completed",
        "failed",
        "stopped",
        "kwh",
        "co2e_kg",
        currency.as_str(),
        "utilisation",
    ];
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &StatsRow| {
        out.write_record([
            cell(&row.key),
            cell(&row.label),
            format!("{:.3}", row.render_hours),
            format!("{:.3}", row.core_hours),
            row.completed.to_string(),
            row.failed.to_string(),
            row.stopped.to_string(),
            format!("{:.4}", row.kwh),
            format!("{:.4}", row.co2e_kg),
            format!("{:.2}", row.cost),
            row.utilisation
                .map(|u| format!("{u:.3}"))
                .unwrap_or_default(),
        ])
    };
    let csv_error = |e: csv::Error| ApiError::Internal(e.to_string());
    out.write_record(header).map_err(csv_error)?;
    for row in &history.rows {
        write(&mut out, row).map_err(csv_error)?;
    }
    write(&mut out, &history.total).map_err(csv_error)?;
    let body = out
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = format!(
        "attachment; filename=\"drover-{}-{}-to-{}.csv\"",
        history.by.as_str(),
        history.from,
        history.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_defaults_to_the_last_seven_days_and_is_checked() {
        let today = Date::from_calendar_date(2026, time::Month::March, 10).unwrap();
        let (days, count) = range(&StatsQuery::default(), today).unwrap();
        assert_eq!(
            (days.from.as_str(), days.to.as_str(), count),
            ("2026-03-04", "2026-03-10", 7)
        );
        let query = |from: &str, to: &str| StatsQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            by: StatsGroup::Day,
        };
        assert!(range(&query("2026-03-11", "2026-03-10"), today).is_err());
        assert!(range(&query("2026-13-01", "2026-03-10"), today).is_err());
        assert!(range(&query("1990-01-01", "2026-03-10"), today).is_err());
        assert_eq!(
            range(&query("2026-03-10", "2026-03-10"), today).unwrap().1,
            1
        );
    }

    #[test]
    fn a_label_a_spreadsheet_would_run_is_quoted() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("sh010 lighting"), "sh010 lighting");
    }
}
