//! Security headers on every response, as one layer (security review
//! 2026-12, finding 12):
//!
//! - `Content-Security-Policy`: scripts, styles and everything else only
//!   from this server, no inline script or style (the back office has
//!   none: its map code is `/admin/assets/admin-map.js`, its data a
//!   `<script type="application/json">` block); images also from the map's
//!   tile server on the pages with a map (`/admin/map`, a report's page):
//!   OpenStreetMap's by default, or the back office's setting;
//!   `frame-ancestors 'none'`.
//!   A handler that sets its own policy (photos) keeps it.
//! - `X-Frame-Options: DENY`, for browsers without `frame-ancestors`.
//! - `X-Content-Type-Options: nosniff`.
//! - `Referrer-Policy: strict-origin-when-cross-origin`: other sites see at
//!   most our origin, never a back-office address with its search terms;
//!   the tile server still gets the origin its usage policy asks for.
//! - `Strict-Transport-Security` when the public URL is https (RFC 6797;
//!   over plain http a browser would ignore it).
//! - `Cache-Control: no-store` on back-office pages: they show residents'
//!   names and contacts, which no browser or proxy cache should keep.
//!
//! It also answers axum's own plain-text rejections (a path that does not
//! parse, a missing query parameter, a body over the limit) in the app's
//! format: a page under `/admin`, Open311's error list under `/open311`,
//! the API's JSON elsewhere. Their text, which can echo the request, is
//! dropped.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mm_protocol::error::ErrorCode;

use crate::admin::html::{Lang, error_page};
use crate::error::AppError;
use crate::open311::format::{Format, Open311Error};
use crate::state::AppState;

/// One year, the usual HSTS lifetime (and the minimum for preload lists).
const HSTS: &str = "max-age=31536000";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let lang = Lang::from_headers(req.headers());
    let mut resp = next.run(req).await;
    if is_plain_text_error(&resp) {
        resp = in_app_format(&path, lang, resp.status());
    }
    let tiles = if shows_map(&path) {
        tile_source(&crate::admin::settings::tile_url(&state).await)
    } else {
        None
    };
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&policy(tiles.as_deref()))
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if state.public_url.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if is_back_office_page(&path) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The content security policy; `tiles` is one more image source.
pub fn policy(tiles: Option<&str>) -> String {
    let images = match tiles {
        Some(t) => format!("'self' data: {t}"),
        None => "'self' data:".to_owned(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; \
         font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The pages that draw a map with tiles: the report map, a report's page
/// and a budget edition's public results.
fn shows_map(path: &str) -> bool {
    path == "/admin/map"
        || crate::budget::page::is_results_page(path)
        || path
            .strip_prefix("/admin/reports/")
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Back-office pages (everything under `/admin` but its static assets).
fn is_back_office_page(path: &str) -> bool {
    (path == "/admin" || path.starts_with("/admin/")) && !path.starts_with("/admin/assets/")
}

/// The CSP source of a Leaflet tile template: its scheme and host, with
/// Leaflet's `{s}.` subdomain placeholder as CSP's `*.` wildcard. None
/// when the host has another placeholder or any character that could not
/// stand in a CSP source (the setting is an admin's, but a `;` would still
/// add a directive).
pub fn tile_source(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = match authority.strip_prefix("{s}.") {
        Some(r) => format!("*.{r}"),
        None => authority.to_owned(),
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    let bare = host.strip_prefix("*.").unwrap_or(&host);
    (!bare.is_empty() && bare.chars().all(allowed)).then(|| format!("{scheme}://{host}"))
}

fn is_plain_text_error(resp: &Response) -> bool {
    (resp.status().is_client_error() || resp.status().is_server_error())
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
}

/// A rejection's answer in the format of where it happened, same status.
fn in_app_format(path: &str, lang: Lang, status: StatusCode) -> Response {
    let (code, pl, en) = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => (
            ErrorCode::Forbidden,
            "Zaloguj się lub nie masz do tego uprawnień.",
            "Sign in, or your role may not do this.",
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "Nie znaleziono.", "Not found."),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "Ta metoda nie jest obsługiwana pod tym adresem.",
            "This method is not allowed here.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            "Treść żądania jest za duża.",
            "The request body is too large.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "Nieobsługiwany rodzaj treści żądania.",
            "The request body's type is not supported.",
        ),
        s if s.is_server_error() => (
            ErrorCode::Internal,
            "Wystąpił błąd serwera. Nic nie zostało zmienione.",
            "The server failed. Nothing was changed.",
        ),
        _ => (
            ErrorCode::InvalidQuery,
            "Nieprawidłowy adres lub parametry żądania.",
            "The address or the request's parameters are not valid.",
        ),
    };
    let mut resp = if path == "/admin" || path.starts_with("/admin/") || path == "/transparency" {
        error_page(status, lang, None, lang.t(pl, en))
    } else if path.starts_with("/open311/") {
        let format = if path.ends_with(".xml") { Format::Xml } else { Format::Json };
        Open311Error::new(status, format!("{en} / {pl}"), format).into_response()
    } else {
        AppError::new(code, pl, en).into_response()
    };
    *resp.status_mut() = status;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tiles_are_allowed_where_a_map_is_shown() {
        let osm = tile_source(crate::admin::settings::OSM_TILES);
        assert_eq!(osm.as_deref(), Some("https://tile.openstreetmap.org"));
        assert!(policy(osm.as_deref()).contains("img-src 'self' data: https://tile.openstreetmap.org;"));
        assert!(shows_map("/admin/map") && shows_map("/admin/reports/12"));
        assert!(!shows_map("/admin/reports") && !shows_map("/admin/reports/12/photos/x") && !shows_map("/admin/reports.csv"));
    }

    #[test]
    fn tile_sources() {
        assert_eq!(tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(), Some("https://tile.openstreetmap.org"));
        assert_eq!(tile_source("https://{s}.tile.example.pl:8443/{z}/{x}/{y}.png").as_deref(), Some("https://*.tile.example.pl:8443"));
        assert_eq!(tile_source("https://x.example;script-src */{z}/{x}/{y}"), None);
        assert_eq!(tile_source("https://tile-{s}.example/{z}/{x}/{y}"), None);
        assert_eq!(tile_source("javascript://x/{z}/{x}/{y}"), None);
        assert_eq!(tile_source(""), None);
    }
}
