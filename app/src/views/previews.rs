//! Previews: a gallery of every job's last-rendered thumbnail; click one for full size.

use crate::command::Command;
use crate::command::PreviewKey;
use crate::model::Farm;
use crate::theme::{self, UiExt};
use crate::views::PreviewLookup;
use drover_shared::JobId;
use drover_shared::api::PreviewSize;

/// The gallery's state.
#[derive(Default)]
pub struct PreviewsView {
    enlarged: Option<JobId>,
}

impl PreviewsView {
    /// Draws the view; `preview` looks images up in the session's cache.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        farm: &Farm,
        preview: &PreviewLookup<'_>,
        commands: &mut Vec<Command>,
    ) {
        ui.view_heading("Previews");
        // Jobs that have rendered something, newest first.
        let mut jobs: Vec<_> = farm
            .jobs
            .values()
            .filter(|j| j.progress.completed > 0 || j.progress.active > 0)
            .collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.updated));
        if jobs.is_empty() {
            ui.weak_label("Nothing rendered yet.");
            return;
        }
        egui::ScrollArea::vertical()
            .auto_shrink(false)
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    for job in jobs {
                        let key = PreviewKey {
                            job_id: Some(job.id),
                            size: PreviewSize::W200,
                        };
                        ui.vertical(|ui| {
                            ui.set_width(theme::THUMB_SMALL.x);
                            if let Some(texture) = preview(key, commands) {
                                let image = egui::Image::new(&texture)
                                    .fit_to_exact_size(theme::THUMB_SMALL)
                                    .corner_radius(4)
                                    .sense(egui::Sense::click());
                                if ui.add(image).on_hover_text("Click for full size").clicked() {
                                    self.enlarged = Some(job.id);
                                }
                            } else {
                                let (rect, _) = ui
                                    .allocate_exact_size(theme::THUMB_SMALL, egui::Sense::hover());
                                ui.painter()
                                    .rect_filled(rect, 4.0, ui.visuals().extreme_bg_color);
                                ui.put(rect, egui::Label::new("no image yet"));
                            }
                            ui.label(&job.name);
                        });
                    }
                });
            });
        if let Some(job_id) = self.enlarged {
            let key = PreviewKey {
                job_id: Some(job_id),
                size: PreviewSize::Full,
            };
            let name = farm.jobs.get(&job_id).map_or("", |j| j.name.as_str());
            let mut open = true;
            egui::Window::new(name)
                .open(&mut open)
                .collapsible(false)
                .default_width(900.0)
                .show(ui.ctx(), |ui| match preview(key, commands) {
                    Some(texture) => {
                        ui.add(egui::Image::new(&texture).shrink_to_fit());
                    }
                    None => {
                        ui.spinner();
                    }
                });
            if !open {
                self.enlarged = None;
            }
        }
    }
}
