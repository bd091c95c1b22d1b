//! The open job's outputs as the app knows them (the Job view's Outputs tab), and how far a
//! "Save all…" has come. Pure data, like the rest of the model.

use super::OpenJob;
use drover_shared::api::JobOutput;

/// A job's outputs as the app knows them; a new ask keeps the last list on show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Outputs {
    /// Not asked for yet.
    #[default]
    NotAsked,
    /// Asked for; the previous list meanwhile.
    Pending(Vec<JobOutput>),
    /// The list as the server gave it, by name.
    Ready(Vec<JobOutput>),
    /// Why the last ask failed, and the list before it.
    Failed(String, Vec<JobOutput>),
}

impl Outputs {
    /// The outputs known, however old.
    pub fn list(&self) -> &[JobOutput] {
        match self {
            Self::NotAsked => &[],
            Self::Pending(list) | Self::Ready(list) | Self::Failed(_, list) => list,
        }
    }

    /// Whether the server has answered at least once (an empty list then means none).
    pub fn is_known(&self) -> bool {
        matches!(self, Self::Ready(_) | Self::Failed(..))
    }

    /// Their size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.list().iter().map(|o| o.size).sum()
    }

    pub(super) fn into_list(self) -> Vec<JobOutput> {
        match self {
            Self::NotAsked => Vec::new(),
            Self::Pending(list) | Self::Ready(list) | Self::Failed(_, list) => list,
        }
    }
}

/// How far a "Save all…" has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveProgress {
    /// Files saved whole.
    pub files_done: usize,
    /// Files to save.
    pub files_total: usize,
    /// Bytes written, the file under way included.
    pub bytes_done: u64,
    /// Bytes to write.
    pub bytes_total: u64,
}

impl SaveProgress {
    /// The share done, 0 to 1 (an empty save is done).
    pub fn fraction(&self) -> f32 {
        if self.bytes_total == 0 {
            return if self.files_done >= self.files_total {
                1.0
            } else {
                0.0
            };
        }
        (self.bytes_done as f64 / self.bytes_total as f64).clamp(0.0, 1.0) as f32
    }
}

impl OpenJob {
    /// A new read of the outputs is wanted; true when it should go out now (false: one is on
    /// its way, and another follows it).
    pub fn ask_outputs(&mut self) -> bool {
        if let Outputs::Pending(_) = self.outputs {
            self.outputs_again = true;
            return false;
        }
        self.outputs = Outputs::Pending(std::mem::take(&mut self.outputs).into_list());
        true
    }

    /// The outputs read came back; true when another read was asked for meanwhile (it has
    /// been started: the list stays pending).
    pub fn settle_outputs(&mut self, answer: Result<Vec<JobOutput>, String>) -> bool {
        let previous = std::mem::take(&mut self.outputs).into_list();
        let list = match answer {
            Ok(list) => list,
            Err(e) if !self.outputs_again => {
                self.outputs = Outputs::Failed(e, previous);
                return false;
            }
            Err(_) => previous,
        };
        if std::mem::take(&mut self.outputs_again) {
            self.outputs = Outputs::Pending(list);
            true
        } else {
            self.outputs = Outputs::Ready(list);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use drover_shared::JobId;

    #[test]
    fn an_outputs_ask_while_one_is_on_its_way_is_read_after_it() {
        let output = |name: &str| JobOutput {
            name: name.into(),
            size: 1,
            task_id: None,
            updated: time::OffsetDateTime::UNIX_EPOCH,
        };
        let mut open = OpenJob::new(JobId(1));
        assert!(open.ask_outputs());
        assert!(!open.ask_outputs(), "one read at a time");
        // The first answer is older than the second ask: another read goes out.
        assert!(open.settle_outputs(Ok(vec![output("a.png")])));
        assert_eq!(open.outputs, Outputs::Pending(vec![output("a.png")]));
        assert!(!open.settle_outputs(Ok(vec![output("a.png"), output("b.png")])));
        assert_eq!(open.outputs.list().len(), 2);
        assert!(open.ask_outputs());
        assert!(!open.settle_outputs(Err("gone".into())));
        assert_eq!(
            open.outputs,
            Outputs::Failed("gone".into(), vec![output("a.png"), output("b.png")])
        );
    }
}
