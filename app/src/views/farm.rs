//! Farm: the farm's history kept by the server over a range (today, 7 days, 30 days) —
//! render hours per day, and per project, person, job or worker the render hours, tasks,
//! energy, CO2e and cost, with a CSV export — and charts of the last hour, sampled every few
//! seconds while the app is open: tasks by status, busy and idle workers, and frames finished
//! per minute.

use crate::command::Command;
use crate::model::{Farm, StatsRange, TASK_SERIES};
use crate::theme::{self, UiExt};
use drover_shared::api::{FarmStats, StatsGroup, StatsQuery, StatsRow};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

/// Height of each chart.
const CHART_HEIGHT: f32 = 180.0;

/// The groupings the history's table offers (the chart is by day).
const TABLE_GROUPS: [(StatsGroup, &str); 5] = [
    (StatsGroup::Project, "project"),
    (StatsGroup::Person, "person"),
    (StatsGroup::Job, "job"),
    (StatsGroup::Shot, "shot"),
    (StatsGroup::Worker, "worker"),
];

/// The Farm view's state: the history's range and table grouping.
pub struct FarmView {
    /// The range shown.
    pub range: StatsRange,
    /// The table's rows.
    pub by: StatsGroup,
}

impl Default for FarmView {
    fn default() -> Self {
        Self {
            range: StatsRange::default(),
            by: StatsGroup::Project,
        }
    }
}

/// What fills the server's disk, for managers (nothing for others, who cannot read it).
fn disk_ui(ui: &mut egui::Ui, farm: &Farm) {
    use crate::views::human_size;
    let Some(disk) = &farm.disk else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.strong("Disk");
        if let (Some(free), Some(total)) = (disk.free_bytes, disk.total_bytes) {
            ui.label(format!(
                "{} free of {}",
                human_size(free),
                human_size(total)
            ));
            ui.separator();
        }
        for (what, bytes) in [
            ("logs", disk.logs_bytes),
            ("last-rendered", disk.previews_bytes),
            ("outputs", disk.outputs_bytes),
            ("job files", disk.job_files_bytes),
            ("production", disk.production_bytes),
            ("database", disk.database_bytes),
        ] {
            ui.weak_label(format!("{what} {}", human_size(bytes)));
        }
    })
    .response
    .on_hover_text(
        "Old jobs are archived or deleted with their files by housekeeping: the \
         keep_completed_days, keep_failed_days and keep_canceled_days settings",
    );
}

impl FarmView {
    /// The history's query as the view shows it now, ending today (UTC).
    pub fn query(&self) -> StatsQuery {
        self.range
            .query(time::OffsetDateTime::now_utc().date(), self.by)
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        ui.view_heading("Farm");
        live_ui(ui, farm);
        disk_ui(ui, farm);
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                self.history_ui(ui, farm, commands);
                ui.separator();
                charts_ui(ui, farm);
            });
    }

    fn history_ui(&mut self, ui: &mut egui::Ui, farm: &Farm, commands: &mut Vec<Command>) {
        let mut changed = false;
        ui.horizontal(|ui| {
            ui.strong("History");
            for range in StatsRange::ALL {
                changed |= ui
                    .selectable_value(&mut self.range, range, range.label())
                    .changed();
            }
            ui.separator();
            let label = ui.label("by");
            egui::ComboBox::from_id_salt("stats-by")
                .selected_text(
                    TABLE_GROUPS
                        .iter()
                        .find(|(g, _)| *g == self.by)
                        .map_or("project", |(_, l)| *l),
                )
                .show_ui(ui, |ui| {
                    for (group, label) in TABLE_GROUPS {
                        changed |= ui.selectable_value(&mut self.by, group, label).changed();
                    }
                })
                .response
                .labelled_by(label.id);
            if ui.button("Refresh").clicked() {
                changed = true;
            }
            if ui
                .button("Export CSV…")
                .on_hover_text("the table's rows over the range, with their total")
                .clicked()
            {
                commands.push(Command::ExportStats(self.query()));
            }
        });
        if changed {
            commands.push(Command::LoadStats(self.query()));
        }
        let (Some(daily), Some(table)) = (&farm.stats.daily, &farm.stats.table) else {
            ui.spinner();
            return;
        };
        totals_ui(ui, &table.total, table);
        daily_chart_ui(ui, daily);
        table_ui(ui, table);
    }
}

/// A quantity with three significant digits, however small (a laptop's farm draws
/// thousandths of a kWh): "1234", "12.35", "0.00057".
pub fn amount(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".into();
    }
    if value.abs() >= 100.0 {
        return format!("{value:.0}");
    }
    // Digits after the point for three significant ones, at least two.
    let decimals = (2 - value.abs().log10().floor() as i32).clamp(2, 8) as usize;
    format!("{value:.decimals$}")
}

/// "12.5 render hours · 340 tasks done · 4 failed · 3.20 kWh · 0.80 kg CO2e · 1.60 EUR".
fn totals_ui(ui: &mut egui::Ui, total: &StatsRow, stats: &FarmStats) {
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{} render hours", amount(total.render_hours)));
        ui.separator();
        ui.label(format!("{} tasks done", total.completed));
        ui.separator();
        ui.label(format!("{} failed", total.failed));
        ui.separator();
        ui.label(format!("{} kWh", amount(total.kwh)));
        ui.separator();
        ui.label(format!("{} kg CO2e", amount(total.co2e_kg)))
            .on_hover_text(format!(
                "at {} gCO2e per kWh (the farm's grid_gco2e_per_kwh)",
                stats.grid_gco2e_per_kwh
            ));
        ui.separator();
        ui.label(format!("{} {}", amount(total.cost), stats.currency))
            .on_hover_text(format!(
                "{} {} per kWh and {} per core-hour (the farm's settings)",
                stats.cost_per_kwh, stats.currency, stats.cost_per_core_hour
            ));
    });
}

/// Every day of a range, `YYYY-MM-DD`, in order (none when the range does not parse).
fn days_of(from: &str, to: &str) -> Vec<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let (Ok(mut day), Ok(last)) = (
        time::Date::parse(from, format),
        time::Date::parse(to, format),
    ) else {
        return Vec::new();
    };
    let mut days = Vec::new();
    while day <= last && days.len() < 3660 {
        days.push(day.format(format).unwrap_or_default());
        let Some(next) = day.next_day() else { break };
        day = next;
    }
    days
}

/// Render hours per day, as bars: every day of the range, those without a run at zero.
fn daily_chart_ui(ui: &mut egui::Ui, daily: &FarmStats) {
    let days = days_of(&daily.from, &daily.to);
    let bars: Vec<Bar> = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let hours = daily
                .rows
                .iter()
                .find(|r| &r.key == day)
                .map_or(0.0, |r| r.render_hours);
            Bar::new(i as f64, hours).name(day)
        })
        .collect();
    let slots = days.len().max(1) as f64;
    Plot::new("render-hours-per-day")
        .height(CHART_HEIGHT)
        .include_y(0.0)
        .include_x(-0.5)
        .include_x(slots - 0.5)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("render hours")
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            days.get(i as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new("render hours", bars)
                    .width(0.7)
                    .color(theme::Tone::Running.color()),
            );
        });
}

/// The table of the range by the chosen grouping.
fn table_ui(ui: &mut egui::Ui, stats: &FarmStats) {
    if stats.rows.is_empty() {
        ui.weak_label("Nothing rendered in this range.");
        return;
    }
    let workers = stats.by == StatsGroup::Worker;
    egui::Grid::new("stats-table")
        .striped(true)
        .num_columns(if workers { 8 } else { 7 })
        .show(ui, |ui| {
            let mut header = vec![
                "",
                "render hours",
                "done",
                "failed",
                "kWh",
                "kg CO2e",
                stats.currency.as_str(),
            ];
            if workers {
                header.push("busy");
            }
            for label in header {
                ui.strong(label);
            }
            ui.end_row();
            for row in stats.rows.iter().chain([&stats.total]) {
                ui.label(&row.label);
                ui.label(amount(row.render_hours));
                ui.label(row.completed.to_string());
                ui.label(row.failed.to_string());
                ui.label(amount(row.kwh));
                ui.label(amount(row.co2e_kg));
                ui.label(amount(row.cost));
                if workers {
                    ui.label(
                        row.utilisation
                            .map(|u| format!("{:.0} %", u * 100.0))
                            .unwrap_or_default(),
                    );
                }
                ui.end_row();
            }
        });
}

/// What the farm does now: jobs, workers, frames since connecting, when the queue empties,
/// and the limits in use.
fn live_ui(ui: &mut egui::Ui, farm: &Farm) {
    ui.horizontal(|ui| {
        ui.label(format!("{} jobs running or waiting", farm.running_jobs()));
        ui.separator();
        ui.label(format!("{} workers", farm.workers.len()));
        ui.separator();
        ui.label(format!(
            "{} frames finished since connecting",
            farm.history.frames_done
        ));
        let now = time::OffsetDateTime::now_utc();
        if let Some((finish, unknown)) = farm.queue_empties(now) {
            ui.separator();
            let words = format!("the queue empties {}", theme::finish_words(finish, now));
            let label = ui.label(words);
            if unknown > 0 {
                label.on_hover_text(format!(
                    "not counting {unknown} job(s) none of whose tasks has finished yet"
                ));
            }
        }
    });
    limits_ui(ui, farm);
}

/// The last hour's charts, sampled while the app is open.
fn charts_ui(ui: &mut egui::Ui, farm: &Farm) {
    let samples = &farm.history.samples;
    if samples.len() < 2 {
        ui.weak_label("Collecting the last hour's samples…");
        return;
    }
    ui.strong("Tasks by status");
    Plot::new("tasks-by-status")
        .height(CHART_HEIGHT)
        .legend(Legend::default())
        .include_y(0.0)
        .x_axis_label("seconds")
        .show(ui, |plot| {
            for (i, (name, tone)) in TASK_SERIES.iter().zip(theme::SERIES).enumerate() {
                let points: PlotPoints<'_> =
                    samples.iter().map(|s| [s.t, s.tasks[i] as f64]).collect();
                plot.line(Line::new(*name, points).color(tone.color()));
            }
        });
    ui.add_space(theme::GAP);
    ui.strong("Workers");
    Plot::new("workers")
        .height(CHART_HEIGHT)
        .legend(Legend::default())
        .include_y(0.0)
        .x_axis_label("seconds")
        .show(ui, |plot| {
            let busy: PlotPoints<'_> = samples.iter().map(|s| [s.t, f64::from(s.busy)]).collect();
            let idle: PlotPoints<'_> = samples.iter().map(|s| [s.t, f64::from(s.idle)]).collect();
            plot.line(Line::new("busy", busy).color(theme::Tone::Running.color()));
            plot.line(Line::new("idle", idle).color(theme::Tone::Good.color()));
        });
    ui.add_space(theme::GAP);
    ui.strong("Frames finished per minute");
    Plot::new("frames-per-minute")
        .height(CHART_HEIGHT)
        .include_y(0.0)
        .x_axis_label("seconds")
        .show(ui, |plot| {
            let rate: PlotPoints<'_> = farm.history.frames_per_minute().into();
            plot.line(Line::new("frames/min", rate).color(theme::Tone::Good.color()));
        });
}

/// The farm's limits with their use now: "nuke-licences 1/5", amber when full.
fn limits_ui(ui: &mut egui::Ui, farm: &Farm) {
    if farm.limits.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Limits");
        for limit in &farm.limits {
            let used = farm.limit_use(&limit.name);
            let tone = if used >= u64::from(limit.max_running) {
                theme::Tone::Warn
            } else {
                theme::Tone::Good
            };
            ui.status_chip(
                &format!("{} {used}/{}", limit.name, limit.max_running),
                tone,
            )
            .on_hover_text(format!(
                "at most {} running tasks of the {} job(s) naming it",
                limit.max_running, limit.jobs
            ));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{farm as farm_as, job};
    use drover_shared::Role;
    use drover_shared::api::FarmLimit;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn each_limit_shows_its_use_from_the_jobs_holding_it() {
        let mut licensed = job(1, 5, 0);
        licensed.limits = vec!["nuke".into()];
        licensed.progress.active = 2;
        let mut other = job(2, 5, 0);
        other.progress.active = 3;
        let mut farm = farm_as(Role::Artist, vec![licensed, other]);
        farm.limits = vec![
            FarmLimit {
                name: "nuke".into(),
                max_running: 2,
                in_use: 0,
                jobs: 1,
            },
            FarmLimit {
                name: "gpu".into(),
                max_running: 4,
                in_use: 0,
                jobs: 0,
            },
        ];
        let harness = Harness::builder().with_size([900.0, 400.0]).build_ui_state(
            |ui, farm: &mut Farm| FarmView::default().ui(ui, farm, &mut Vec::new()),
            farm,
        );
        harness.get_by_label("nuke 2/2");
        harness.get_by_label("gpu 0/4");
    }

    #[test]
    fn managers_see_what_fills_the_disk() {
        let harness = |farm: Farm| {
            Harness::builder().with_size([900.0, 400.0]).build_ui_state(
                |ui, farm: &mut Farm| FarmView::default().ui(ui, farm, &mut Vec::new()),
                farm,
            )
        };
        assert!(
            harness(farm_as(Role::Manager, Vec::new()))
                .query_by_label("Disk")
                .is_none(),
            "nothing before it is read (and never for those who may not read it)"
        );
        let mut farm = farm_as(Role::Manager, Vec::new());
        farm.disk = Some(drover_shared::api::FarmDisk {
            logs_bytes: 1_200_000,
            outputs_bytes: 42_000_000_000,
            free_bytes: Some(120_000_000_000),
            total_bytes: Some(500_000_000_000),
            ..Default::default()
        });
        let h = harness(farm);
        h.get_by_label("Disk");
        h.get_by_label("120.0 GB free of 500.0 GB");
        h.get_by_label("logs 1.2 MB");
        h.get_by_label("outputs 42.0 GB");
    }

    #[test]
    fn the_queue_empties_when_its_work_is_shared_by_the_workers() {
        use drover_shared::api::JobEta;
        let now = time::OffsetDateTime::UNIX_EPOCH;
        // 10 s tasks: 6 waiting and 2 running (one still to go) = 70 s of work.
        let mut predicted = job(1, 5, 0);
        predicted.progress.queued = 6;
        predicted.progress.active = 2;
        predicted.eta = Some(JobEta {
            finish: now,
            task_ms: 10_000,
            runs: 4,
        });
        let unknown = job(2, 5, 0);
        let mut farm = farm_as(Role::Artist, vec![predicted, unknown]);
        assert_eq!(farm.queue_empties(now), None, "no worker takes work");
        for id in 1..=2 {
            farm.workers.insert(
                drover_shared::WorkerId(id),
                drover_shared::api::Worker {
                    id: drover_shared::WorkerId(id),
                    name: format!("node-{id}"),
                    status: drover_shared::WorkerStatus::Busy,
                    last_seen: None,
                    created: now,
                    tags: Vec::new(),
                    task_types: Vec::new(),
                    version: "test".into(),
                    facts: drover_shared::protocol::HostFacts::default(),
                    task_id: None,
                    requested_status: None,
                    requested_after_current_task: false,
                    watts: None,
                },
            );
        }
        let (finish, unpredicted) = farm.queue_empties(now).unwrap();
        assert_eq!(
            (finish - now).whole_seconds(),
            35,
            "70 s of work on 2 workers"
        );
        assert_eq!(unpredicted, 1);
    }

    fn row(key: &str, label: &str, hours: f64, kwh: f64) -> StatsRow {
        StatsRow {
            key: key.into(),
            label: label.into(),
            render_hours: hours,
            completed: 10,
            failed: 1,
            kwh,
            co2e_kg: kwh * 0.25,
            cost: kwh * 0.5,
            ..StatsRow::default()
        }
    }

    #[test]
    fn the_history_shows_its_range_by_day_and_by_project_and_asks_again_when_changed() {
        let mut farm = farm_as(Role::Manager, Vec::new());
        let stats = |by, rows: Vec<StatsRow>, total: StatsRow| FarmStats {
            from: "2026-11-24".into(),
            to: "2026-11-30".into(),
            by,
            rows,
            total,
            grid_gco2e_per_kwh: 250.0,
            cost_per_kwh: 0.5,
            cost_per_core_hour: 0.0,
            currency: "EUR".into(),
        };
        let total = row("total", "Total", 12.5, 3.2);
        farm.stats.daily = Some(stats(
            StatsGroup::Day,
            vec![
                row("2026-11-29", "2026-11-29", 4.0, 1.0),
                row("2026-11-30", "2026-11-30", 8.5, 2.2),
            ],
            total.clone(),
        ));
        farm.stats.table = Some(stats(
            StatsGroup::Project,
            vec![row("1", "film", 10.0, 2.5), row("2", "ads", 2.5, 0.7)],
            total,
        ));
        let mut h = Harness::builder()
            .with_size([1100.0, 900.0])
            .build_ui_state(
                |ui, (view, farm, commands): &mut (FarmView, Farm, Vec<Command>)| {
                    view.ui(ui, farm, commands);
                },
                (FarmView::default(), farm, Vec::new()),
            );
        h.run_steps(2);
        assert_eq!(super::amount(0.000_571_6), "0.000572");
        assert_eq!(super::amount(3.2), "3.20");
        assert_eq!(super::amount(1234.4), "1234");
        assert_eq!(super::amount(0.0), "0");
        assert_eq!(super::days_of("2026-02-27", "2026-03-02").len(), 4);
        h.get_by_label("12.50 render hours");
        h.get_by_label("3.20 kWh");
        h.get_by_label("0.800 kg CO2e");
        h.get_by_label("1.60 EUR");
        h.get_by_label("film");
        h.get_by_label("ads");
        h.get_by_label("Total");
        h.get_by_label("30 days").click();
        h.run_steps(2);
        let asked = match h.state().2.as_slice() {
            [Command::LoadStats(query)] => query.clone(),
            other => panic!("one LoadStats, not {other:?}"),
        };
        assert_eq!(asked.by, StatsGroup::Project);
        let from = time::Date::parse(
            asked.from.as_deref().unwrap(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap();
        assert_eq!(
            from,
            time::OffsetDateTime::now_utc().date() - time::Duration::days(29)
        );
        h.state_mut().2.clear();
        h.get_by_label("Export CSV…").click();
        h.run_steps(2);
        assert!(matches!(
            h.state().2.as_slice(),
            [Command::ExportStats(query)] if query.from == asked.from
        ));
    }
}
