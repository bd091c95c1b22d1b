//! The role gate of the production routes: every route is served only if the catalogue
//! describes it ([`Routes`]), and a request below the least role its operation needs is
//! refused with 403 before any handler runs ([`role_gate`]), so an artist learns nothing, not
//! even whether an id exists, from a route above their role.

use super::catalogue::{self, Method};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::production::db::{Access, Model, by_route, team_roles};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use drover_shared::Role;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The router paths of the generic model routes.
const GENERIC: [&str; 2] = ["/data/{model}", "/data/{model}/{id}"];

/// A router that serves only documented paths: adding a path the catalogue does not know
/// panics when the server builds its routes, as axum does for clashing routes, so no route
/// ships without its description and role.
pub struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// Serves `path` (relative to `/api`); panics unless the catalogue describes it.
    pub fn route(mut self, path: &'static str, method_router: MethodRouter<AppState>) -> Self {
        assert!(
            GENERIC.contains(&path) || catalogue::named().any(|op| op.path == path),
            "production route {path} is not in production/routes/catalogue/"
        );
        self.paths.push(path);
        self.router = self.router.route(path, method_router);
        self
    }

    /// Serves another module's routes too.
    pub fn merge(mut self, other: Self) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }

    /// The paths served, as registered.
    #[cfg(test)]
    pub fn paths(&self) -> &[&'static str] {
        &self.paths
    }

    /// The axum router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The least role a model's operation needs; `None`: anyone logged in.
pub(super) fn generic_role(model: &Model, method: Method) -> Option<Role> {
    if model.route == crate::production::db::names::PERSONS && method == Method::Put {
        // People change their own profile; the handler keeps the rest to admins.
        return None;
    }
    match (model.access, method != Method::Get) {
        (Access::ManagersOnly, _) | (Access::ManagersWrite, true) => Some(Role::Manager),
        (Access::AdminWrites | Access::AdminWritesNoVendors, true) | (Access::AdminsOnly, _) => {
            Some(Role::Admin)
        }
        (Access::ProjectSupervisors, true) => Some(Role::Supervisor),
        (Access::ProjectArtists, true) => Some(Role::Vendor),
        _ => None,
    }
}

/// The least role an operation on one row of a model (`/data/<model>/{id}`) needs: as for
/// the list, but custom actions and status automations show one row to admins only (Zou
/// lists them to everyone but vendors).
pub(super) fn generic_row_role(model: &Model, method: Method) -> Option<Role> {
    if model.access == Access::AdminWritesNoVendors {
        return Some(Role::Admin);
    }
    generic_role(model, method)
}

fn method_of(method: &axum::http::Method) -> Option<Method> {
    Some(match *method {
        axum::http::Method::GET | axum::http::Method::HEAD => Method::Get,
        axum::http::Method::POST => Method::Post,
        axum::http::Method::PUT => Method::Put,
        axum::http::Method::DELETE => Method::Delete,
        _ => return None,
    })
}

/// The named operations' least roles, by router path and method: looked up on every
/// production request, so the catalogue is indexed once.
static NAMED_ROLES: OnceLock<HashMap<(&'static str, Method), Option<Role>>> = OnceLock::new();

/// The least role for a request that matched `matched` (a router path) at `path`.
pub fn least_role(method: &axum::http::Method, matched: &str, path: &str) -> Option<Role> {
    let method = method_of(method)?;
    if GENERIC.contains(&matched) {
        // The model as the handler will read it: percent-decoded (`task%2Dstatus` is
        // `task-status`), so no spelling of a route slips past its role.
        let raw = path.split('/').nth(2)?;
        let route = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?;
        let model = by_route(&route)?;
        if matched == GENERIC[1] {
            return generic_row_role(model, method);
        }
        return generic_role(model, method);
    }
    let roles = NAMED_ROLES.get_or_init(|| {
        catalogue::named()
            .map(|op| ((op.path, op.method), op.role))
            .collect()
    });
    roles.get(&(matched, method)).copied().flatten()
}

/// A path without the `/api` the production routes are nested under.
fn strip(path: &str) -> &str {
    path.strip_prefix("/api").unwrap_or(path)
}

/// The person's role on the production the request is about (see
/// [`crate::production::db::team_roles`]): their production role where it narrows their
/// studio role, else the studio role. `None` when the request names no production, or the
/// person is an admin.
async fn role_here(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
    matched: Option<&str>,
    me: &CurrentUser,
) -> Result<Option<Role>, ApiError> {
    if me.user.role == Role::Admin {
        return Ok(None);
    }
    let params: Vec<(String, String)> = RawPathParams::from_request_parts(parts, state)
        .await
        .map(|raw| {
            raw.iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let query_project = parts.uri.query().and_then(|query| {
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "project_id")
            .map(|(_, value)| value.into_owned())
    });
    if params.is_empty() && query_project.is_none() {
        return Ok(None);
    }
    let model = matched
        .filter(|m| GENERIC.contains(m))
        .and_then(|_| params.iter().find(|(name, _)| name == "model"))
        .and_then(|(_, route)| by_route(route));
    let (person, studio) = (me.user.id, me.user.role);
    state
        .store
        .read(move |c| {
            let Some(project) =
                team_roles::request_project(c, &params, model, query_project.as_deref())?
            else {
                return Ok(None);
            };
            team_roles::role_in(c, &project, person, studio)
                .map(Some)
                .map_err(ApiError::from)
        })
        .await
}

/// 403 before the handler when the person's role is below the operation's least role. The
/// role is the one the person has on the production the request is about, which the
/// handler then reads as theirs.
pub async fn role_gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let matched = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| strip(m.as_str()).to_owned());
    let needed = matched
        .as_deref()
        .and_then(|m| least_role(&parts.method, m, strip(parts.uri.path())));
    let me = parts.extensions.get::<CurrentUser>().cloned();
    let mut role = me.as_ref().map(|me| me.user.role);
    if let Some(me) = me {
        match role_here(&state, &mut parts, matched.as_deref(), &me).await {
            Ok(Some(here)) if here != me.user.role => {
                role = Some(here);
                let mut narrowed = me;
                narrowed.user.role = here;
                parts.extensions.insert(narrowed);
            }
            Ok(_) => {}
            Err(e) => return e.into_response(),
        }
    }
    if let Some(needed) = needed
        && !role.is_some_and(|r| r.allows(needed))
    {
        let role = role.map_or("not logged in".to_owned(), |r| r.to_string());
        return ApiError::Forbidden(format!("this needs the {needed} role; you are {role}"))
            .into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method as M;

    #[test]
    fn every_catalogued_path_is_served_and_the_gate_reads_roles() {
        let (protected, index) = super::super::routes();
        let served: Vec<_> = protected.paths().iter().chain(index.paths()).collect();
        for op in catalogue::named() {
            assert!(
                served.contains(&&op.path),
                "{} is catalogued, not served",
                op.path
            );
        }
        for path in GENERIC {
            assert!(served.contains(&&path), "{path}");
        }
        // Generic routes: by the model's access class and the method.
        let one = "/data/{model}/{id}";
        assert_eq!(least_role(&M::GET, one, "/data/task-types/x"), None);
        assert_eq!(
            least_role(&M::PUT, one, "/data/task-types/x"),
            Some(Role::Admin)
        );
        assert_eq!(
            least_role(&M::DELETE, one, "/data/tasks/x"),
            Some(Role::Supervisor)
        );
        assert_eq!(
            least_role(&M::GET, "/data/{model}", "/data/schedule-items"),
            Some(Role::Manager)
        );
        assert_eq!(
            least_role(&M::POST, "/data/{model}", "/data/comments"),
            Some(Role::Vendor)
        );
        assert_eq!(
            least_role(&M::POST, "/data/{model}", "/data/search-filters"),
            None
        );
        assert_eq!(
            least_role(&M::GET, "/data/{model}", "/data/nope"),
            None,
            "404 later"
        );
        assert_eq!(
            least_role(&M::PUT, one, "/data/task%2Dstatus/x"),
            Some(Role::Admin),
            "decoded as the handler decodes it"
        );
        // Named routes: by the catalogue, per method.
        let csv = "/export/csv/tasks.csv";
        assert_eq!(least_role(&M::GET, csv, csv), Some(Role::Manager));
        let team = "/data/projects/{project}/team";
        assert_eq!(least_role(&M::GET, team, "/data/projects/p/team"), None);
        assert_eq!(
            least_role(&M::POST, team, "/data/projects/p/team"),
            Some(Role::Manager)
        );
    }
}
