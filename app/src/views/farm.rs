//! Farm: charts of the last hour, sampled every few seconds while the app is open: tasks by
//! status, busy and idle workers, and frames finished per minute.

use crate::model::{Farm, TASK_SERIES};
use crate::theme::{self, UiExt};
use egui_plot::{Legend, Line, Plot, PlotPoints};

/// Height of each chart.
const CHART_HEIGHT: f32 = 180.0;

/// Draws the view.
pub fn ui(ui: &mut egui::Ui, farm: &Farm) {
    ui.view_heading("Farm");
    let samples = &farm.history.samples;
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
    if samples.len() < 2 {
        ui.weak_label("Collecting samples…");
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .show(ui, |ui| {
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
                    let busy: PlotPoints<'_> =
                        samples.iter().map(|s| [s.t, f64::from(s.busy)]).collect();
                    let idle: PlotPoints<'_> =
                        samples.iter().map(|s| [s.t, f64::from(s.idle)]).collect();
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
        let harness = Harness::builder()
            .with_size([900.0, 400.0])
            .build_ui_state(|ui, farm: &mut Farm| super::ui(ui, farm), farm);
        harness.get_by_label("nuke 2/2");
        harness.get_by_label("gpu 0/4");
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
}
