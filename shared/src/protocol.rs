//! The worker protocol under `/api/worker/`: what render nodes send and receive.

use crate::api::{JobKind, Task};
use crate::ids::{JobId, ProjectId, WorkerId};
use crate::status::{TaskStatus, TaskType, WorkerStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Facts about a render node's host, sent with each heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HostFacts {
    /// Operating system and version, e.g. `Linux 6.1 (Debian 12)`.
    pub os: String,
    /// Host name.
    pub hostname: String,
    /// Logical CPU cores.
    pub cores: u32,
    /// Total memory.
    pub memory_total_bytes: u64,
    /// Memory in use.
    pub memory_used_bytes: u64,
    /// One-minute load average.
    pub load_1m: f64,
    /// GPU name, where `nvidia-smi` answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_name: Option<String>,
    /// GPU memory, where `nvidia-smi` answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_memory_bytes: Option<u64>,
    /// What the host draws now, in watts, where it can be measured: the CPU packages' RAPL
    /// energy counters and the GPUs' `nvidia-smi` power draw, summed. The farm history
    /// estimates the draw of hosts without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_watts: Option<f64>,
}

/// `POST /worker/register`: join the farm with its join token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterWorker {
    /// The farm's join token (`drover-server worker-token`).
    pub join_token: String,
    /// Display name, usually the host name.
    pub name: String,
}

/// The identity a worker keeps in its work dir and authenticates with from then on, as
/// `Authorization: Bearer <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WorkerCredentials {
    /// The worker's id.
    pub id: WorkerId,
    /// The worker's bearer token; only its hash is stored on the server.
    pub token: String,
}

/// `POST /worker/sign-on`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOn {
    /// Display name.
    pub name: String,
    /// Job tags this worker takes (untagged jobs go anywhere).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Task types this worker can run.
    pub task_types: Vec<TaskType>,
    /// The worker program's version.
    pub version: String,
    /// The host.
    pub facts: HostFacts,
}

/// Answer of sign-on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignOnResponse {
    /// The status to start in (asleep when a sleep was requested while away).
    pub status: WorkerStatus,
    /// How often to send a heartbeat.
    pub heartbeat_secs: u32,
}

/// A status change asked of a worker by a manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "WorkerRequestWire", into = "WorkerRequestWire")]
pub struct WorkerRequest {
    /// `asleep` (sleep), `idle` (wake) or `offline` (shut down).
    pub status: WorkerStatus,
    /// True: once the current task ends; false: now, stopping the current task.
    pub after_current_task: bool,
}

/// [`WorkerRequest`] as a heartbeat's answer carries it: `after_current_task` is sent under
/// `lazy` too, its first name, because workers older than the rename need that field to read
/// the answer at all (they are updated host by host, after the server). Either is read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[schema(as = WorkerRequest)]
pub struct WorkerRequestWire {
    /// `asleep` (sleep), `idle` (wake) or `offline` (shut down).
    pub status: WorkerStatus,
    /// True: once the current task ends; false (or missing): now, stopping the current task.
    #[serde(default)]
    pub after_current_task: Option<bool>,
    /// `after_current_task` under its first name, for older workers.
    #[serde(default)]
    #[schema(deprecated)]
    pub lazy: Option<bool>,
}

impl From<WorkerRequestWire> for WorkerRequest {
    fn from(wire: WorkerRequestWire) -> Self {
        Self {
            status: wire.status,
            after_current_task: wire.after_current_task.or(wire.lazy).unwrap_or(false),
        }
    }
}

impl From<WorkerRequest> for WorkerRequestWire {
    fn from(request: WorkerRequest) -> Self {
        Self {
            status: request.status,
            after_current_task: Some(request.after_current_task),
            lazy: Some(request.after_current_task),
        }
    }
}

/// `POST /worker/heartbeat`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// What the worker is doing.
    pub status: WorkerStatus,
    /// The host now.
    pub facts: HostFacts,
}

/// Answer of a heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeartbeatResponse {
    /// A pending request, if a manager made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<WorkerRequestWire>)]
    pub request: Option<WorkerRequest>,
}

/// Query of `POST /worker/task`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// Seconds to wait for work before answering 204 (0–60, default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_secs: Option<u32>,
}

/// A project's folder per platform, so a worker rewrites the server's paths to its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PathMap {
    /// Project folder as job settings write it.
    pub path_server: String,
    /// …on Linux.
    pub path_linux: String,
    /// …on macOS.
    pub path_osx: String,
    /// …on Windows.
    pub path_win: String,
    /// Render folder as job settings write it.
    pub render_path_server: String,
    /// …on Linux.
    pub render_path_linux: String,
    /// …on macOS.
    pub render_path_osx: String,
    /// …on Windows.
    pub render_path_win: String,
}

impl PathMap {
    /// Rewrites a path written for the server to the platform `os` (`linux`, `macos`,
    /// `windows`), by prefix. Paths under no mapped folder are returned as they are.
    pub fn localize(&self, path: &str, os: &str) -> String {
        let pairs = [
            (&self.render_path_server, self.render_for(os)),
            (&self.path_server, self.project_for(os)),
        ];
        for (server, local) in pairs {
            if server.is_empty() || local.is_empty() {
                continue;
            }
            if let Some(rest) = path.strip_prefix(server.as_str()) {
                if os == "windows" {
                    return windows_join(local, rest);
                }
                return format!("{local}{rest}");
            }
        }
        path.to_owned()
    }

    fn project_for(&self, os: &str) -> &str {
        match os {
            "linux" => &self.path_linux,
            "macos" => &self.path_osx,
            "windows" => &self.path_win,
            _ => "",
        }
    }

    fn render_for(&self, os: &str) -> &str {
        match os {
            "linux" => &self.render_path_linux,
            "macos" => &self.render_path_osx,
            "windows" => &self.render_path_win,
            _ => "",
        }
    }
}

/// A Windows folder (`P:`, `P:\proj`, `\\nas\proj`, or any of these written with `/`)
/// and the rest of a server path under it, as one Windows path: backslashes only, one
/// between the two.
fn windows_join(folder: &str, rest: &str) -> String {
    let folder = folder.replace('/', "\\");
    let rest = rest.replace('/', "\\");
    let rest = match rest.strip_prefix('\\') {
        Some(after) if folder.ends_with('\\') => after,
        _ => &rest,
    };
    format!("{folder}{rest}")
}

/// A task handed to a worker, with what it needs to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Assignment {
    /// The task.
    pub task: Task,
    /// Its job's id.
    pub job_id: JobId,
    /// Its job's name.
    pub job_name: String,
    /// Its project.
    pub project_id: ProjectId,
    /// The job's type and settings.
    #[serde(flatten)]
    pub kind: JobKind,
    /// The project's folders per platform.
    pub paths: PathMap,
    /// `upload`: the job's files come from the server (`GET /worker/task/{id}/files`), the
    /// task runs in a job folder of the worker's own and sends its outputs back
    /// (`PUT /worker/task/{id}/outputs/{name}`). `shared` (absent): paths as `paths` map them.
    #[serde(default, skip_serializing_if = "crate::api::StorageMode::is_shared")]
    pub storage: crate::api::StorageMode,
}

/// `POST /worker/task/{id}`: progress, log and result of a task.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    /// `completed` or `failed` when the task ends; absent while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    /// Steps done (frames rendered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps_done: Option<u32>,
    /// Steps in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps_total: Option<u32>,
    /// One line on what is happening now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// Log text to append to the task's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// Answer of `GET /worker/task/{id}/may-i-run`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MayIRun {
    /// False: stop the task now.
    pub may_keep_running: bool,
    /// Why not, when not.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn windows_paths_from_drive_letters_and_unc_shares() {
        let map = |path_win: &str| PathMap {
            path_server: "/srv/proj".into(),
            path_linux: "/mnt/proj".into(),
            path_win: path_win.into(),
            ..PathMap::default()
        };
        let blend = "/srv/proj/shots/sh010.blend";
        for (path_win, expected) in [
            ("P:", "P:\\shots\\sh010.blend"),
            ("P:\\", "P:\\shots\\sh010.blend"),
            ("P:/", "P:\\shots\\sh010.blend"),
            (
                "D:\\projects\\proj",
                "D:\\projects\\proj\\shots\\sh010.blend",
            ),
            ("\\\\nas\\proj", "\\\\nas\\proj\\shots\\sh010.blend"),
            ("//nas/proj/", "\\\\nas\\proj\\shots\\sh010.blend"),
        ] {
            assert_eq!(
                map(path_win).localize(blend, "windows"),
                expected,
                "{path_win}"
            );
        }
        // Linux keeps the path as written; a path under no mapped folder stays as it is.
        assert_eq!(
            map("P:").localize(blend, "linux"),
            "/mnt/proj/shots/sh010.blend"
        );
        assert_eq!(
            map("P:").localize("/elsewhere/a.blend", "windows"),
            "/elsewhere/a.blend"
        );
    }

    #[test]
    fn a_worker_request_is_sent_under_both_names_and_read_from_either() {
        let request = WorkerRequest {
            status: WorkerStatus::Asleep,
            after_current_task: true,
        };
        assert_eq!(
            serde_json::to_value(request).unwrap(),
            json!({"status": "asleep", "after_current_task": true, "lazy": true}),
            "a worker older than the rename reads `lazy`"
        );
        for sent in [
            json!({"status": "asleep", "after_current_task": true, "lazy": true}),
            json!({"status": "asleep", "after_current_task": true}),
            json!({"status": "asleep", "lazy": true}),
        ] {
            assert_eq!(
                serde_json::from_value::<WorkerRequest>(sent).unwrap(),
                request
            );
        }
        let now: WorkerRequest = serde_json::from_value(json!({"status": "offline"})).unwrap();
        assert!(!now.after_current_task);
    }
}
