//! Sessions as a browser holds them. Kitsu's web front end never sets an `Authorization`
//! header: it relies on the HttpOnly cookie its login sets, as Zou's does. So a login also
//! sets the access token as `access_token_cookie` (`Path=/`, for `/api` and `/socket.io`
//! alike) and the refresh token as `refresh_token_cookie` (only sent to the refresh route),
//! both `HttpOnly`, `SameSite=Lax`, `Secure` when the public URL is https, living as long as
//! the tokens they hold. Every route that takes a bearer token takes the cookie too; a bearer
//! header wins when both come, so gazu, the app and workers are unchanged.
//!
//! A cookie is sent by the browser whoever made the page that asks, so a write authenticated
//! by the cookie alone must come from our own origin ([`CookiePolicy::same_origin`]): its
//! `Origin` (or, without one, its `Referer`) must name the server the request reached (its
//! `Host`) or the configured public URL. `SameSite=Lax` already keeps the cookie off other
//! sites' writes in current browsers; the origin check holds in the others too.

use crate::auth::{ACCESS_TTL_MS, REFRESH_TTL_MS};
use axum::http::header::{COOKIE, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use cookie::{Cookie, SameSite};

/// The access token's cookie, by Zou's name.
pub const ACCESS_COOKIE: &str = "access_token_cookie";
/// The refresh token's cookie, by Zou's name.
pub const REFRESH_COOKIE: &str = "refresh_token_cookie";
/// The only path the refresh cookie is sent to.
pub const REFRESH_PATH: &str = "/api/auth/refresh-token";

/// How this server's session cookies are made and checked.
#[derive(Debug, Clone, Default)]
pub struct CookiePolicy {
    /// `Secure` on every cookie (the public URL is https).
    secure: bool,
    /// The public URL's origin (`scheme://host[:port]`), lower case, if one is configured.
    origin: Option<String>,
}

/// The origin of a URL as a browser writes it in `Origin`: scheme, host and a port other
/// than the scheme's default; `None` when it is not an http(s) URL.
fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some(url.origin().ascii_serialization().to_ascii_lowercase())
}

impl CookiePolicy {
    /// The policy of a server reached at `public_url` (`None`: not configured, so only the
    /// `Host` a request names counts as our origin, and cookies are not `Secure`).
    pub fn new(public_url: Option<&str>) -> Self {
        Self {
            secure: public_url.is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https:")),
            origin: public_url.and_then(origin_of),
        }
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        path: &'static str,
        max_age_ms: i64,
    ) -> HeaderValue {
        let cookie = Cookie::build((name, value))
            .path(path)
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::milliseconds(max_age_ms))
            .build();
        // Tokens are base64url and names are constants: always a valid header value.
        HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
    }

    /// The `Set-Cookie` headers of a session's new tokens.
    pub fn set_session(&self, headers: &mut HeaderMap, access: &str, refresh: &str) {
        headers.append(
            SET_COOKIE,
            self.cookie(ACCESS_COOKIE, access.to_owned(), "/", ACCESS_TTL_MS),
        );
        headers.append(
            SET_COOKIE,
            self.cookie(
                REFRESH_COOKIE,
                refresh.to_owned(),
                REFRESH_PATH,
                REFRESH_TTL_MS,
            ),
        );
    }

    /// A response's headers carrying a session's new tokens as cookies.
    pub fn session_headers(&self, access: &str, refresh: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        self.set_session(&mut headers, access, refresh);
        headers
    }

    /// The `Set-Cookie` headers that make the browser forget the session.
    pub fn clear_session(&self, headers: &mut HeaderMap) {
        headers.append(
            SET_COOKIE,
            self.cookie(ACCESS_COOKIE, String::new(), "/", 0),
        );
        headers.append(
            SET_COOKIE,
            self.cookie(REFRESH_COOKIE, String::new(), REFRESH_PATH, 0),
        );
    }

    /// Whether a request comes from a page of our own origin: its `Origin` (or its `Referer`'s
    /// origin) names the host it was sent to, or the public URL. A request that names
    /// neither is not known to be ours.
    pub fn same_origin(&self, headers: &HeaderMap) -> bool {
        let claimed = match headers.get(ORIGIN) {
            Some(origin) => origin.to_str().ok().and_then(origin_of),
            None => headers
                .get(REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(origin_of),
        };
        let Some(claimed) = claimed else {
            return false;
        };
        if self.origin.as_deref() == Some(claimed.as_str()) {
            return true;
        }
        let host = headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        // The host part of `scheme://host[:port]`, compared with the `Host` the browser sent.
        let authority = claimed.split_once("://").map(|(_, a)| a);
        host.is_some_and(|host| authority == Some(host.as_str()))
    }

    /// Whether a request with this method and headers, authenticated by its cookie, may go
    /// on: reads always; writes only from our own origin.
    pub fn allows(&self, method: &Method, headers: &HeaderMap) -> bool {
        method.is_safe() || self.same_origin(headers)
    }
}

/// The value of the cookie `name` in a request's `Cookie` headers.
pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_login_sets_http_only_lax_cookies_and_logout_expires_them() {
        let mut set = HeaderMap::new();
        CookiePolicy::new(Some("https://kitsu.studio.com")).set_session(&mut set, "acc", "ref");
        let cookies: Vec<_> = set
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(cookies.len(), 2);
        for part in [
            "access_token_cookie=acc",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/;",
            "Max-Age=604800",
        ] {
            assert!(
                format!("{};", cookies[0]).contains(part),
                "{part} in {}",
                cookies[0]
            );
        }
        assert!(cookies[1].contains("refresh_token_cookie=ref"));
        assert!(cookies[1].contains("Path=/api/auth/refresh-token"));
        assert!(cookies[1].contains("Max-Age=7776000"));
        // Plain http: not Secure, or the browser would drop them.
        let mut plain = HeaderMap::new();
        CookiePolicy::new(None).set_session(&mut plain, "a", "r");
        assert!(!plain[SET_COOKIE].to_str().unwrap().contains("Secure"));
        let mut cleared = HeaderMap::new();
        CookiePolicy::new(None).clear_session(&mut cleared);
        for cookie in cleared.get_all(SET_COOKIE) {
            assert!(cookie.to_str().unwrap().contains("Max-Age=0"));
        }
    }

    #[test]
    fn cookie_writes_pass_only_from_our_own_origin() {
        let open = CookiePolicy::new(None);
        let post = Method::POST;
        // Same origin as the host reached.
        let ours = headers(&[
            ("host", "drover.local:8080"),
            ("origin", "http://drover.local:8080"),
        ]);
        assert!(open.allows(&post, &ours));
        // Another site, another port, or nothing said: refused.
        for other in ["https://evil.example", "http://drover.local:9999", "null"] {
            let h = headers(&[("host", "drover.local:8080"), ("origin", other)]);
            assert!(!open.allows(&post, &h), "{other}");
        }
        assert!(!open.allows(&post, &headers(&[("host", "drover.local:8080")])));
        // The Referer counts when there is no Origin.
        let referred = headers(&[
            ("host", "drover.local:8080"),
            ("referer", "http://drover.local:8080/productions"),
        ]);
        assert!(open.allows(&Method::DELETE, &referred));
        // Reads are never refused.
        assert!(open.allows(
            &Method::GET,
            &headers(&[("origin", "https://evil.example")])
        ));
        // Behind a proxy that rewrites Host, the public URL names our origin.
        let public = CookiePolicy::new(Some("https://Kitsu.Studio.com/"));
        let proxied = headers(&[
            ("host", "127.0.0.1:7878"),
            ("origin", "https://kitsu.studio.com"),
        ]);
        assert!(public.allows(&Method::PUT, &proxied));
        assert!(!open.allows(&Method::PUT, &proxied));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "theme=dark; access_token_cookie=tok ; x=y")]);
        assert_eq!(cookie_value(&h, ACCESS_COOKIE), Some("tok"));
        assert_eq!(cookie_value(&h, REFRESH_COOKIE), None);
        let empty = headers(&[("cookie", "access_token_cookie=")]);
        assert_eq!(cookie_value(&empty, ACCESS_COOKIE), None);
    }
}
