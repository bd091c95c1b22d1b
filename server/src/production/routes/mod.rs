//! Production tracking over HTTP, compatible with the Kitsu (Zou) API so that `gazu` and
//! Kitsu scripts work unchanged: the generic `/data/<model>` routes ([`data`]), the named
//! routes Kitsu builds on them ([`breakdown`], [`review`], [`project`], [`user`]), preview
//! and avatar files ([`media`]), and Kitsu's index (`GET /api/`, which gazu reads the
//! version from).

mod admin_lists;
mod attachments;
mod breakdown;
mod builds;
mod bulk;
mod catalogue;
mod chats;
mod comments;
mod data;
mod exports;
mod files;
mod gate;
mod imports;
mod media;
mod mine;
mod multipart;
mod openapi;
mod planning;
mod plans;
mod playlists;
mod project;
mod related;
mod review;
mod shares;
mod tasks;
mod templates;
mod timesheets;
mod user;

use crate::auth::{Authed, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::production::db::data::Events;
use crate::production::db::live::LiveEvent;
use crate::production::db::{Data, DataError, Row, Schema, Viewer};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter, get, on};
use gate::Routes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

impl From<DataError> for ApiError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::BadRequest(m) => Self::BadRequest(m),
            DataError::Forbidden(m) => Self::Forbidden(m),
            DataError::NotFound(m) => Self::NotFound(m),
            DataError::Sqlite(e) => Self::from(e),
        }
    }
}

impl From<&CurrentUser> for Viewer {
    fn from(me: &CurrentUser) -> Self {
        Self {
            id: me.user.id,
            role: me.user.role,
        }
    }
}

/// Every production route: the ones that need a token, then Kitsu's index.
fn routes() -> (Routes, Routes) {
    let protected = data::router()
        .merge(breakdown::router())
        .merge(related::router())
        .merge(mine::router())
        .merge(files::router())
        .merge(templates::router())
        .merge(review::router())
        .merge(tasks::router())
        .merge(comments::router())
        .merge(planning::router())
        .merge(playlists::router())
        .merge(project::router())
        .merge(user::router())
        .merge(media::router())
        .merge(attachments::router())
        .merge(bulk::router())
        .merge(imports::router())
        .merge(builds::router())
        .merge(timesheets::router())
        .merge(admin_lists::router())
        .merge(plans::router())
        .merge(chats::router())
        .merge(shares::router())
        .merge(exports::router());
    (
        protected,
        Routes::new()
            .route("/", get(index))
            .route("/config", get(config))
            .merge(shares::public_router()),
    )
}

/// The production routes that need a token, relative to `/api`, behind the role gate
/// (the caller puts the token check around it).
pub fn protected_router(state: &AppState) -> Router<AppState> {
    routes()
        .0
        .into_router()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gate::role_gate,
        ))
}

/// The public production routes: Kitsu's index (gazu checks the host with `HEAD /api` and
/// reads `version` from `GET /api/`), `GET /api/config`, which the web front end reads first,
/// and the guest pages of shared playlists, which their link's token opens.
pub fn index_router() -> Router<AppState> {
    routes().1.into_router()
}

/// Adds the production routes and model schemas to the OpenAPI document.
pub fn document(openapi: &mut utoipa::openapi::OpenApi, schema: &Schema) {
    openapi::document(openapi, schema);
}

/// `GET /config`, public: the first call of every page of Kitsu's web front end. Each key
/// says what this server offers: it runs at the studio, with no support chat, a search
/// over names (`POST /data/search`) and no single sign-on.
async fn config() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "is_self_hosted": true,
        "crisp_token": "",
        "dark_theme_by_default": false,
        "indexer_configured": true,
        "saml_enabled": false,
        "saml_idp_name": "",
        "oidc_enabled": false,
        "oidc_idp_name": "",
        "enforce_2fa": false,
    }))
}

async fn index() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "api": "Drover",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// Runs `f` with the generic operations bound to this connection and viewer; answers its
/// value and the live events its writes noted.
fn with_data<T>(
    conn: &rusqlite::Connection,
    schema: &Schema,
    viewer: &Viewer,
    f: impl FnOnce(&Data) -> Result<T, DataError>,
) -> ApiResult<(T, Vec<LiveEvent>)> {
    let live = Events::default();
    let d = Data {
        conn,
        schema,
        viewer,
        live: &live,
    };
    let value = f(&d).map_err(ApiError::from)?;
    Ok((value, live.take()))
}

/// Runs `f` on a read connection as the person asking.
async fn read<T, F>(state: &AppState, me: &CurrentUser, f: F) -> ApiResult<T>
where
    F: FnOnce(&Data) -> Result<T, DataError> + Send + 'static,
    T: Send + 'static,
{
    let (viewer, schema) = (Viewer::from(me), state.production.clone());
    let (value, _) = state
        .store
        .read(move |conn| with_data(conn, &schema, &viewer, f))
        .await?;
    Ok(value)
}

/// [`read`], answered as JSON: the whole of a read handler once it has checked what it was
/// sent.
async fn read_json<T, F>(state: &AppState, me: &CurrentUser, f: F) -> ApiResult<axum::Json<T>>
where
    F: FnOnce(&Data) -> Result<T, DataError> + Send + 'static,
    T: Send + 'static,
{
    read(state, me, f).await.map(axum::Json)
}

/// A `GET` route whose handler is one read: `f` of the path's ids (a `String`, or a tuple of
/// them) run by [`read_json`] as the person asking. Most of Kitsu's named reads are this and
/// nothing else; a route that checks a `{kind}` or reads its query string first keeps a
/// handler of its own.
fn get_read<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    get(
        move |Authed(me): Authed, State(state): State<AppState>, Path(path): Path<P>| async move {
            read_json(&state, &me, move |d| f(d, path)).await
        },
    )
}

/// A request's query string, read by name: what a [`get_query`] route's read is given.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `name`, when it is given and not empty.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, as sent.
    pub(super) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A `GET` route whose handler is one read of the path's ids and the query string.
fn get_query<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P, &Params) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    get(
        move |Authed(me): Authed,
              State(state): State<AppState>,
              Path(path): Path<P>,
              axum::extract::RawQuery(raw): axum::extract::RawQuery| async move {
            let params = Params(data::query_pairs(raw.as_deref()));
            read_json(&state, &me, move |d| f(d, path, &params)).await
        },
    )
}

/// A CSV answer named `name`, as Kitsu's exports send it.
fn csv(body: String, name: &str) -> axum::response::Response {
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename={name}"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A `GET` route answering one read's CSV as the file `name`.
fn get_csv<F>(name: &'static str, f: F) -> MethodRouter<AppState>
where
    F: Fn(&Data) -> Result<String, DataError> + Clone + Send + Sync + 'static,
{
    get(
        move |Authed(me): Authed, State(state): State<AppState>| async move {
            let body = read(&state, &me, move |d| f(d)).await?;
            Ok::<_, ApiError>(csv(body, name))
        },
    )
}

/// Runs `f` as one write (all of it or nothing) as the person asking; its live events are
/// kept in the event log within the same write and, once it has committed, go to Kitsu's
/// open pages.
async fn write<T, F>(state: &AppState, me: &CurrentUser, f: F) -> ApiResult<T>
where
    F: FnOnce(&Data) -> Result<T, DataError> + Send + 'static,
    T: Send + 'static,
{
    let (viewer, schema) = (Viewer::from(me), state.production.clone());
    let user = me.user.id;
    state
        .write_live(move |conn| {
            let (value, events) = with_data(conn, &schema, &viewer, f)?;
            crate::production::db::events::record(conn, user, &events)?;
            Ok::<_, ApiError>((value, events))
        })
        .await
}

/// What a route made of one write answers: the value as JSON (`200`), the value made
/// (`201`), or nothing (`204`).
#[derive(Debug, Clone, Copy)]
enum Done {
    Value,
    Made,
    Nothing,
}

/// A route whose handler is one write: `f` of the path's ids (`()`, a `String` or a tuple
/// of them) and the body's fields, run by [`write`] as the person asking, answered as
/// `done` says. The write-side counterpart of [`get_read`]; a route that reads its query
/// string or an upload keeps a handler of its own.
fn on_write<P, T, F>(method: MethodFilter, done: Done, f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P, Row) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    on(
        method,
        move |Authed(me): Authed,
              State(state): State<AppState>,
              Path(path): Path<P>,
              Fields(body): Fields| async move {
            let value = write(&state, &me, move |d| f(d, path, body)).await?;
            Ok::<_, ApiError>(match done {
                Done::Value => axum::Json(value).into_response(),
                Done::Made => (StatusCode::CREATED, axum::Json(value)).into_response(),
                Done::Nothing => StatusCode::NO_CONTENT.into_response(),
            })
        },
    )
}

/// `POST` of one write answering the row made, `201`.
fn post_made<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P, Row) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    on_write(MethodFilter::POST, Done::Made, f)
}

/// `PUT` of one write answering the value, `200`.
fn put_write<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P, Row) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    on_write(MethodFilter::PUT, Done::Value, f)
}

/// `POST` of one write answering the value, `200` (Kitsu's actions).
fn post_write<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P, Row) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    on_write(MethodFilter::POST, Done::Value, f)
}

/// `DELETE` of one write of the path's ids, answering `204`.
fn delete_write<P, T, F>(f: F) -> MethodRouter<AppState>
where
    P: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: Fn(&Data, P) -> Result<T, DataError> + Clone + Send + Sync + 'static,
{
    on_write(MethodFilter::DELETE, Done::Nothing, move |d, path, _| {
        f(d, path)
    })
}

/// The entity ids of a task creation, as a body: a bare list as Kitsu sends, or
/// `{entity_ids}`; an empty list or no body at all means every entity of the kind.
pub struct EntityIds(pub Row);

impl<S: Send + Sync> axum::extract::FromRequest<S> for EntityIds {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge("the request body is too large".into())
                }
                _ => ApiError::BadRequest(e.body_text()),
            })?;
        // Kitsu may send nothing at all: every entity of the kind.
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Row::new()));
        }
        let body: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
        Ok(Self(match body {
            Value::Array(_) => {
                let ids = crate::production::db::bulk::id_list(&body, "entity")?;
                let mut row = Row::new();
                if !ids.is_empty() {
                    row.insert("entity_ids".into(), ids.into());
                }
                row
            }
            Value::Object(row) => row,
            Value::Null => Row::new(),
            _ => {
                return Err(ApiError::BadRequest(
                    "the body must be a list of ids".into(),
                ));
            }
        }))
    }
}

/// A request body as Kitsu's routes take it: a JSON object, form fields
/// (`application/x-www-form-urlencoded`), or nothing at all (an empty object).
pub struct Fields(pub Row);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge(format!(
                        "the request body is larger than {} bytes",
                        crate::extract::BODY_LIMIT_BYTES
                    ))
                } else {
                    ApiError::BadRequest(e.body_text())
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Row::new()));
        }
        if form {
            let fields = form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
                .collect();
            return Ok(Self(fields));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(ApiError::BadRequest(
                "the body must be a JSON object".into(),
            )),
            Err(e) => Err(ApiError::BadRequest(format!("malformed JSON: {e}"))),
        }
    }
}
