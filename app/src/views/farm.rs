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
    });
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
