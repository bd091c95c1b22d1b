//! Toasts: short messages in the bottom-right corner, errors in red. A server error is shown
//! here, readable, instead of crashing or failing silently.

use crate::theme;

struct Toast {
    text: String,
    error: bool,
    until: f64,
}

/// The toasts on screen.
#[derive(Default)]
pub struct Toasts {
    items: Vec<Toast>,
}

impl Toasts {
    /// Shows an informational message.
    pub fn info(&mut self, now: f64, text: impl Into<String>) {
        self.push(now, text.into(), false);
    }

    /// Shows an error.
    pub fn error(&mut self, now: f64, text: impl Into<String>) {
        self.push(now, text.into(), true);
    }

    fn push(&mut self, now: f64, text: String, error: bool) {
        self.items.push(Toast {
            text,
            error,
            until: now + theme::TOAST_SECS,
        });
        if self.items.len() > 5 {
            self.items.remove(0);
        }
    }

    /// The texts shown (tests).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|t| t.text.as_str())
    }

    /// Draws them and drops the old ones.
    pub fn ui(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        self.items.retain(|t| t.until > now);
        if self.items.is_empty() {
            return;
        }
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                for toast in &self.items {
                    let color = if toast.error {
                        theme::error_color()
                    } else {
                        theme::info_color()
                    };
                    egui::Frame::popup(ui.style())
                        .stroke(egui::Stroke::new(1.5, color))
                        .show(ui, |ui| {
                            ui.set_max_width(420.0);
                            ui.label(&toast.text);
                        });
                }
            });
        // Wake up to remove them even if nothing else happens.
        ctx.request_repaint_after(std::time::Duration::from_secs(1));
    }
}
