//! The HTTP API, mounted under `/api`. Each resource has its own module with a `router()`;
//! [`app`] merges them, puts every route but login behind the token check, and serves the
//! OpenAPI document generated from the handlers at `/api/openapi.json`.

mod events;
mod openapi;
mod web_ui;

use crate::error::ApiError;
use crate::farm::routes::{
    browse, files, jobs, limits, managers, notices, outputs, projects, settings, stats, storage,
    tasks, worker, workers,
};
use crate::production::routes as production;
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::extract::BODY_LIMIT_BYTES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Drover API",
        description = "Render farm and production tracking. Every route but `POST /auth/login`, \
            `GET /auth/refresh-token` (which takes the refresh token) and this document needs \
            `Authorization: Bearer <access_token>`. The scopes of a route's `bearer` \
            requirement name the least role it needs (`vendor`, `supervisor`, `manager`, \
            `admin`); none means any logged-in person. Routes under `/worker` take a render \
            node's token (the `worker` scheme) and nothing else. Production tracking follows \
            Kitsu's (Zou's) API under `/data`, `/actions`, `/pictures`, `/movies` and \
            `/export`; its rows are the `Kitsu…` schemas. Errors are \
            `{\"error\", \"message\"}`."
    ),
    servers((url = "/api")),
    modifiers(&BearerScheme),
    paths(browse::browse_path),
    components(schemas(drover_shared::ErrorBody))
)]
struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // Render nodes: `Bearer wk.<id>.<secret>` from `POST /worker/register`.
        components.add_security_scheme(
            "worker",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The routes of the API with their OpenAPI description, relative to `/api`.
pub fn api_router(state: &AppState) -> OpenApiRouter<AppState> {
    let protected = OpenApiRouter::new()
        .merge(crate::auth::routes::login::protected_router())
        .merge(crate::auth::routes::users::router())
        .merge(projects::router())
        .merge(workers::router())
        .merge(managers::router())
        .merge(settings::router())
        .merge(limits::router())
        .merge(notices::router())
        .merge(stats::router())
        .merge(browse::router())
        .merge(jobs::router())
        .merge(tasks::router())
        .merge(files::router())
        .merge(storage::router())
        .merge(outputs::router())
        .merge(events::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::require_token,
        ));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::auth::routes::login::public_router())
        .merge(worker::public_router())
        .merge(protected)
        .merge(worker::protected_router(state))
}

/// What the accept loop ([`crate::serve`]) runs: the application behind trailing-slash trimming (Kitsu clients
/// write `/data/schedule-items/`), made once and shared by every connection (serving a
/// `Router` itself rebuilds its route table per connection, ~35 KiB each). The accept loop
/// gives each request its connection's peer address (`ConnectInfo`), which the login
/// throttles count.
pub fn service(
    state: AppState,
    web_ui: Option<&std::path::Path>,
    socket_io: socketioxide::layer::SocketIoLayer,
) -> crate::serve::App {
    use tower::Layer;
    // The gate is outermost: a new Socket.IO session needs a session of ours.
    let gate = axum::middleware::from_fn_with_state(
        (state.auth.clone(), state.store.clone()),
        crate::production::live::handshake_gate,
    );
    let app = app(state, web_ui).layer(socket_io).layer(gate);
    tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash().layer(app)
}

/// The whole HTTP application, with the web front end in `web_ui` when there is one.
pub fn app(state: AppState, web_ui: Option<&std::path::Path>) -> Router {
    let (api, mut openapi) = api_router(&state).split_for_parts();
    production::document(&mut openapi, &state.production);
    // Serialised once: the document never changes while the server runs.
    let document = serde_json::to_value(&openapi).map_or_else(
        |e| {
            tracing::error!(error = %e, "could not serialise the OpenAPI document");
            "{}".to_owned()
        },
        |mut document| {
            openapi::document_layer_errors(&mut document);
            document.to_string()
        },
    );
    let document = axum::body::Bytes::from(document);
    let serve_document = move || {
        let document = document.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                document,
            )
        }
    };
    let production = production::protected_router(&state).route_layer(
        axum::middleware::from_fn_with_state(state.clone(), crate::auth::require_token),
    );
    let api = api
        .merge(production)
        .merge(production::index_router())
        .route("/openapi.json", get(serve_document))
        .method_not_allowed_fallback(method_not_allowed);
    let router = Router::new().nest("/api", api);
    let router = match web_ui {
        Some(dir) => web_ui::serve(router, dir),
        None => router.fallback(not_found),
    };
    router
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(format!("no route {}", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}

#[allow(clippy::needless_pass_by_value)] // the signature CatchPanicLayer::custom requires
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let cause = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".into());
    let mut response = ApiError::Internal(format!("handler panicked: {cause}")).into_response();
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
