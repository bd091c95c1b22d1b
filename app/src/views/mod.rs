//! One module per view; each draws from the model and pushes `Command`s, nothing else.

pub mod farm;
pub mod job;
pub mod job_deps;
pub mod job_frames;
pub mod job_outputs;
pub mod jobs;
pub mod notices;
pub mod previews;
pub mod projects;
pub mod settings;
pub mod start;
pub mod submit;
pub mod submit_scheduling;
pub mod workers;

/// Looks a preview up in the session's cache, asking for it (a pushed `Command`) when absent.
pub type PreviewLookup<'a> = dyn Fn(crate::command::PreviewKey, &mut Vec<crate::command::Command>) -> Option<egui::TextureHandle>
    + 'a;

/// What an answer to a request was to the view or dialog that may have sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Its request was done: the form or dialog closes.
    Accepted,
    /// Its request was refused: the server's words show in the form, which stays.
    Refused,
    /// Not the request it waits for (an earlier form's or dialog's, say).
    NotMine,
}

/// The job commands offered as buttons, in the Jobs and Job views; each is enabled only for
/// jobs that take it (`Job::takes`).
pub const JOB_ACTIONS: [(&str, drover_shared::JobCommand); 4] = [
    ("Pause", drover_shared::JobCommand::Pause),
    ("Resume", drover_shared::JobCommand::Resume),
    ("Cancel", drover_shared::JobCommand::Cancel),
    ("Requeue failed", drover_shared::JobCommand::RequeueFailed),
];

/// "12 s ago", "5 min ago", "3 h ago", "2 d ago".
pub fn ago(when: time::OffsetDateTime) -> String {
    let secs = (time::OffsetDateTime::now_utc() - when)
        .whole_seconds()
        .max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// A size as a file manager shows it, in powers of 1000: "999 B", "1.2 MB", "42.0 GB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // 999.95 would print as "1000.0": the next unit reads better.
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_as_a_file_manager_shows_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1000), "1.0 kB");
        assert_eq!(human_size(1_200_000), "1.2 MB");
        assert_eq!(human_size(999_999), "1.0 MB");
        assert_eq!(human_size(42_000_000_000), "42.0 GB");
        assert_eq!(human_size(u64::MAX), "18446.7 PB");
    }
}
