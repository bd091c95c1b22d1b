//! The app's look in one place: the colour of every status (the same in every view), spacing
//! and sizes, dark and light, and the shared widgets built from them (`UiExt`). Views name no
//! colour themselves.

use drover_shared::api::JobProgress;
use drover_shared::{JobStatus, TaskStatus, WorkerStatus};
use egui::{Color32, CornerRadius, RichText, Stroke, Vec2};

/// Height of a table row.
pub const ROW_HEIGHT: f32 = 22.0;
/// Height of a table header.
pub const HEADER_HEIGHT: f32 = 24.0;
/// Width of the left navigation.
pub const NAV_WIDTH: f32 = 150.0;
/// Gap between groups of controls.
pub const GAP: f32 = 8.0;
/// Width of a job progress bar in tables.
pub const PROGRESS_WIDTH: f32 = 160.0;
/// Thumbnail sizes in the gallery and the job view, in points.
pub const THUMB_SMALL: Vec2 = Vec2::new(200.0, 112.5);
/// Width of the job view's preview.
pub const PREVIEW_WIDTH: f32 = 360.0;
/// How long a toast stays, in seconds.
pub const TOAST_SECS: f64 = 6.0;

/// A status's colour, readable on the dark and the light theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Waiting: grey-blue.
    Waiting,
    /// Running: blue.
    Running,
    /// Done well: green.
    Good,
    /// Needs attention: amber.
    Warn,
    /// Failed: red.
    Bad,
    /// Stopped by someone: grey.
    Muted,
}

impl Tone {
    /// The fill colour of chips and bars.
    pub fn color(self) -> Color32 {
        match self {
            Self::Waiting => Color32::from_rgb(0x6b, 0x7f, 0x99),
            Self::Running => Color32::from_rgb(0x2f, 0x80, 0xed),
            Self::Good => Color32::from_rgb(0x2e, 0xa0, 0x5a),
            Self::Warn => Color32::from_rgb(0xe0, 0x9a, 0x1f),
            Self::Bad => Color32::from_rgb(0xd6, 0x45, 0x45),
            Self::Muted => Color32::from_rgb(0x80, 0x80, 0x80),
        }
    }
}

/// Anything with a status colour.
pub trait Toned {
    /// Its tone.
    fn tone(&self) -> Tone;
}

impl Toned for JobStatus {
    fn tone(&self) -> Tone {
        match self {
            Self::Queued => Tone::Waiting,
            Self::Active => Tone::Running,
            Self::Paused => Tone::Warn,
            Self::Completed => Tone::Good,
            Self::Failed => Tone::Bad,
            Self::Canceled => Tone::Muted,
        }
    }
}

/// A predicted finish as people read it: "in 12 min", "in 3 h 20 min", "any moment". Relative:
/// the app cannot read the local clock's offset safely once its threads run.
pub fn finish_words(finish: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let secs = (finish - now).whole_seconds();
    if secs < 30 {
        return "any moment".to_owned();
    }
    format!("in {}", duration_words(secs.unsigned_abs()))
}

/// A length of time in the largest unit that reads well: "45 s", "12 min", "3 h 20 min",
/// "2 d 4 h".
pub fn duration_words(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => match (secs % 3600) / 60 {
            0 => format!("{} h", secs / 3600),
            min => format!("{} h {min} min", secs / 3600),
        },
        _ => match (secs % 86_400) / 3600 {
            0 => format!("{} d", secs / 86_400),
            h => format!("{} d {h} h", secs / 86_400),
        },
    }
}

/// A job's chip: its status, except that a queued or active job its dependencies stop shows
/// "waiting" or "held" (the reason is the chip's hover text).
pub fn job_chip(job: &drover_shared::api::Job) -> (&'static str, Tone) {
    use drover_shared::DependencyState as D;
    let live = matches!(job.status, JobStatus::Queued | JobStatus::Active);
    match job.dependency.as_ref().map(|d| d.state) {
        Some(D::Waiting) if live => ("waiting", Tone::Waiting),
        Some(D::Held) if live => ("held", Tone::Warn),
        _ => (job.status.as_str(), job.status.tone()),
    }
}

impl Toned for TaskStatus {
    fn tone(&self) -> Tone {
        match self {
            Self::Queued => Tone::Waiting,
            Self::Active => Tone::Running,
            Self::Paused | Self::SoftFailed => Tone::Warn,
            Self::Completed => Tone::Good,
            Self::Failed => Tone::Bad,
            Self::Canceled => Tone::Muted,
        }
    }
}

impl Toned for WorkerStatus {
    fn tone(&self) -> Tone {
        match self {
            Self::Starting => Tone::Waiting,
            Self::Idle => Tone::Good,
            Self::Busy => Tone::Running,
            Self::Asleep | Self::Offline => Tone::Muted,
            Self::Error => Tone::Bad,
        }
    }
}

/// Colour of the connection indicator.
pub fn connection_color(connected: bool) -> Color32 {
    if connected {
        Tone::Good.color()
    } else {
        Tone::Warn.color()
    }
}

/// Colour of an error toast and error text.
pub fn error_color() -> Color32 {
    Tone::Bad.color()
}

/// Colour of an informational toast.
pub fn info_color() -> Color32 {
    Tone::Running.color()
}

/// Series colours of the farm charts, in a fixed order.
pub const SERIES: [Tone; 6] = [
    Tone::Waiting,
    Tone::Running,
    Tone::Good,
    Tone::Bad,
    Tone::Warn,
    Tone::Muted,
];

/// Applies Drover's spacing and rounding on top of egui's dark or light visuals.
pub fn apply(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = Vec2::new(8.0, 6.0);
        style.spacing.button_padding = Vec2::new(8.0, 4.0);
        style.visuals.widgets.noninteractive.corner_radius = CornerRadius::same(4);
        style.visuals.widgets.inactive.corner_radius = CornerRadius::same(4);
        style.visuals.widgets.hovered.corner_radius = CornerRadius::same(4);
        style.visuals.widgets.active.corner_radius = CornerRadius::same(4);
    });
}

/// The widgets every view shares.
pub trait UiExt {
    /// A small rounded chip with the status's name on its colour.
    fn status_chip(&mut self, label: &str, tone: Tone) -> egui::Response;
    /// A job's progress: completed share filled green, failed share red, with "done/total".
    fn job_progress(&mut self, progress: &JobProgress, width: f32) -> egui::Response;
    /// A heading with the app's size.
    fn view_heading(&mut self, text: &str);
    /// Muted secondary text.
    fn weak_label(&mut self, text: impl Into<String>) -> egui::Response;
    /// A job's chip ([`job_chip`]), with what its dependencies do to it on hover.
    fn job_chip(&mut self, job: &drover_shared::api::Job) -> egui::Response;
}

impl UiExt for egui::Ui {
    fn status_chip(&mut self, label: &str, tone: Tone) -> egui::Response {
        egui::Frame::new()
            .fill(tone.color())
            .corner_radius(CornerRadius::same(8))
            .inner_margin(egui::Margin::symmetric(7, 1))
            .show(self, |ui| {
                ui.label(RichText::new(label).color(Color32::WHITE).small().strong())
            })
            .inner
    }

    fn job_progress(&mut self, progress: &JobProgress, width: f32) -> egui::Response {
        let height = ROW_HEIGHT - 6.0;
        let (rect, response) =
            self.allocate_exact_size(Vec2::new(width, height), egui::Sense::hover());
        if self.is_rect_visible(rect) {
            let painter = self.painter();
            let visuals = self.visuals();
            painter.rect_filled(rect, 3.0, visuals.extreme_bg_color);
            let total = progress.total.max(1) as f32;
            let done_w = rect.width() * progress.completed as f32 / total;
            let failed_w = rect.width() * progress.failed as f32 / total;
            let mut done = rect;
            done.set_width(done_w);
            painter.rect_filled(done, 3.0, Tone::Good.color());
            if failed_w > 0.0 {
                let mut failed = rect;
                failed.min.x = rect.min.x + done_w;
                failed.set_width(failed_w.max(2.0));
                painter.rect_filled(failed, 0.0, Tone::Bad.color());
            }
            painter.rect_stroke(
                rect,
                3.0,
                Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
                egui::StrokeKind::Inside,
            );
            let text = if progress.failed > 0 {
                format!(
                    "{}/{}  ({} failed)",
                    progress.completed, progress.total, progress.failed
                )
            } else {
                format!("{}/{}", progress.completed, progress.total)
            };
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                text,
                egui::FontId::proportional(11.0),
                visuals.strong_text_color(),
            );
        }
        response
    }

    fn view_heading(&mut self, text: &str) {
        self.label(RichText::new(text).size(20.0).strong());
        self.add_space(GAP / 2.0);
    }

    fn job_chip(&mut self, job: &drover_shared::api::Job) -> egui::Response {
        let (label, tone) = job_chip(job);
        let chip = self.status_chip(label, tone);
        match &job.dependency {
            Some(dependency) => chip.on_hover_text(&dependency.reason),
            None => chip,
        }
    }

    fn weak_label(&mut self, text: impl Into<String>) -> egui::Response {
        self.label(RichText::new(text.into()).weak())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_finishes_read_as_people_say_them() {
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(12 * 60 + 5), "12 min");
        assert_eq!(duration_words(3 * 3600), "3 h");
        assert_eq!(duration_words(3 * 3600 + 20 * 60), "3 h 20 min");
        assert_eq!(duration_words(2 * 86_400 + 4 * 3600), "2 d 4 h");
        let now = time::OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            finish_words(now + time::Duration::seconds(10), now),
            "any moment"
        );
        assert_eq!(
            finish_words(now + time::Duration::minutes(12), now),
            "in 12 min"
        );
    }
}
