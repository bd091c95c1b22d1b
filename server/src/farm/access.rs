//! Who may see and do what on the farm, by role and by team, as Kitsu's production side does
//! (`db::production::Viewer`):
//!
//! - managers and admins see and control every project and job;
//! - everyone else sees the projects whose team they are on, with those projects' jobs,
//!   tasks, logs and pictures; what they may not see answers 404, as if it did not exist;
//! - clients and vendors never submit or control farm jobs (a job runs code on the render
//!   nodes): 403;
//! - artists and supervisors submit into their team's projects; artists control the jobs they
//!   submitted, supervisors every job of their team's projects;
//! - a job that runs code of its own (`command`, or a .blend allowed to run its Python)
//!   needs the role the farm's `code_jobs_min_role` names, to submit and to run again.
//!
//! These are plain functions on a connection, called inside the route's read or write so the
//! check and the change see the same rows.

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::farm::db;
use drover_shared::api::{Job, JobKind};
use drover_shared::{JobId, ProjectId, UserId};
use rusqlite::Connection;

/// What part of the farm a person sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Every project (managers and admins).
    All,
    /// The projects whose team this person is on.
    Team(UserId),
}

impl Sight {
    /// The person to filter lists by, or `None` for everything.
    pub fn team_member(self) -> Option<UserId> {
        match self {
            Self::All => None,
            Self::Team(person) => Some(person),
        }
    }
}

impl CurrentUser {
    /// What part of the farm this person sees.
    pub fn sight(&self) -> Sight {
        if self.user.role.sees_all_projects() {
            Sight::All
        } else {
            Sight::Team(self.user.id)
        }
    }
}

/// True when `sight` covers `project`.
pub fn sees_project(c: &Connection, sight: Sight, project: ProjectId) -> ApiResult<bool> {
    Ok(match sight {
        Sight::All => true,
        Sight::Team(person) => db::teams::on_project_team(c, project, person)?,
    })
}

/// A job the person may see; 404 when it does not exist or is in another team's project.
pub fn visible_job(c: &Connection, sight: Sight, id: JobId) -> ApiResult<Job> {
    match db::jobs::get(c, id)? {
        Some(job) if sees_project(c, sight, job.project_id)? => Ok(job),
        _ => Err(ApiError::not_found(format!("job {id}"))),
    }
}

/// 403 unless the person may submit and control farm jobs at all.
pub fn require_farm_jobs(me: &CurrentUser) -> ApiResult<()> {
    if me.user.role.runs_farm_jobs() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "a {} may not submit or control farm jobs: they run programs on the render nodes",
            me.user.role
        )))
    }
}

/// 403 unless the person may submit into `project`: its team, or a manager. A project they
/// may not see is refused the same way whether it exists or not.
pub fn check_submit_into(c: &Connection, me: &CurrentUser, project: ProjectId) -> ApiResult<()> {
    require_farm_jobs(me)?;
    if sees_project(c, me.sight(), project)? {
        if !db::projects::exists(c, project)? {
            return Err(ApiError::BadRequest(format!(
                "project {project} does not exist"
            )));
        }
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "you may submit only into projects whose team you are on, and project {project} \
             is not one of them"
        )))
    }
}

/// 403 unless the person may control `job` (command it, change its tasks, delete it): its
/// submitter, a supervisor of its project's team, or a manager. The caller got the job
/// through [`visible_job`].
pub fn check_control(me: &CurrentUser, job: &Job) -> ApiResult<()> {
    require_farm_jobs(me)?;
    if job.controlled_by(me.user.role, me.user.id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "artists may only control the jobs they submitted".into(),
        ))
    }
}

/// 403 unless the person's role may run jobs whose code is their own (`code_jobs_min_role`).
pub fn check_code(c: &Connection, me: &CurrentUser, kind: &JobKind) -> ApiResult<()> {
    if !kind.runs_code() {
        return Ok(());
    }
    let least = db::settings::load(c)?.code_jobs_min_role;
    if me.user.role.allows(least) {
        Ok(())
    } else {
        let what = match kind {
            JobKind::Command(_) => "`command` jobs run any program",
            JobKind::BlenderRender(_) => "a .blend allowed to run its Python runs any code",
        };
        Err(ApiError::Forbidden(format!(
            "{what} on the render nodes: they need the {least} role (the farm's \
             `code_jobs_min_role`); you are {}",
            me.user.role
        )))
    }
}

/// 400 unless every job in `upstream` exists, the person may see it, and there are at most
/// [`MAX_DEPENDENCIES`](drover_shared::api::MAX_DEPENDENCIES): what a job may wait for. A
/// job out of sight is refused as one that does not exist.
pub fn check_upstream(c: &Connection, sight: Sight, upstream: &[JobId]) -> ApiResult<()> {
    let most = drover_shared::api::MAX_DEPENDENCIES;
    if upstream.len() > most {
        return Err(ApiError::BadRequest(format!(
            "a job may wait for at most {most} jobs, not {}",
            upstream.len()
        )));
    }
    for &id in upstream {
        if let Err(ApiError::NotFound(_)) = visible_job(c, sight, id) {
            return Err(ApiError::BadRequest(format!(
                "depends_on: job {id} does not exist"
            )));
        }
    }
    Ok(())
}
