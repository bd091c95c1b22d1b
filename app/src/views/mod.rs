//! One module per view; each draws from the model and pushes `Command`s, nothing else.

pub mod farm;
pub mod job;
pub mod jobs;
pub mod previews;
pub mod projects;
pub mod settings;
pub mod start;
pub mod submit;
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
