//! A web front end the studio provides (`drover-server serve --web-ui DIR`), served beside
//! the API from one origin, so the session cookie reaches both: Kitsu's release build, for
//! one. It is a single-page app with its own routes, so any path that names no file gets
//! `index.html`; files in `assets/` carry a hash in their names and are cached for a year,
//! everything else is checked again on each load so a new build shows at once. Paths under
//! `/api` and `/socket.io` are never the front end's: they answer 404 as the API does.

use axum::Router;
use axum::extract::Request;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// How long a hashed asset is kept: a year, never revalidated (its name changes with it).
const HASHED: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Everything else: kept, but revalidated each time (`index.html` names the new assets).
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Whether a path belongs to the server, not the front end.
fn server_path(path: &str) -> bool {
    ["/api", "/socket.io"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, if hashed { HASHED } else { REVALIDATE });
    }
    response
}

/// The front end in `dir` as the fallback of `app`: files as they are, `index.html` for any
/// other GET or HEAD outside the server's own paths.
pub fn serve<S: Clone + Send + Sync + 'static>(app: Router<S>, dir: &Path) -> Router<S> {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(dir.join("index.html")));
    let front_end = Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn(cache_headers));
    app.fallback(move |request: Request| {
        let front_end = front_end.clone();
        async move {
            let path = request.uri().path();
            if server_path(path) || !matches!(*request.method(), Method::GET | Method::HEAD) {
                let message = format!("no route {path}");
                return axum::response::IntoResponse::into_response(
                    crate::error::ApiError::NotFound(message),
                );
            }
            // A router's service is infallible.
            match tower::ServiceExt::oneshot(front_end, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_keeps_its_own_paths() {
        for path in ["/api", "/api/data/projects", "/socket.io", "/socket.io/"] {
            assert!(server_path(path), "{path}");
        }
        for path in ["/", "/productions", "/apiary", "/assets/index-1a2b.js"] {
            assert!(!server_path(path), "{path}");
        }
    }
}
