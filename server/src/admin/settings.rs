//! Admins' settings page. Today one setting: the map's tile server, stored
//! in the database. Without a stored value the `MM_TILE_URL` environment
//! variable is the default, and without that OpenStreetMap's standard tiles
//! ([`OSM_TILES`]); `MM_TILE_URL` set empty turns the background off. The
//! maps draw the gmina's boundary and localities whatever the tiles do.

use askama::Template;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::session::Staff;
use super::view::{AdminResult, Page, PageCtx};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::backoffice::TILE_URL_KEY;

/// OpenStreetMap's standard tile layer. Its tile usage policy
/// (operations.osmfoundation.org/policies/tiles) asks for the attribution
/// the maps show ("© OpenStreetMap contributors", linked to
/// [`OSM_COPYRIGHT`]) and a valid referrer, which `Referrer-Policy`
/// (`headers.rs`) sends as our origin.
pub const OSM_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// Where the attribution links.
pub const OSM_COPYRIGHT: &str = "https://www.openstreetmap.org/copyright";

/// The tile URL the maps use: the stored setting, else the server's
/// default ([`default_tile_url`]). Empty: no background.
pub async fn tile_url(state: &AppState) -> String {
    match state.store.setting(TILE_URL_KEY).await {
        Ok(Some(v)) => v,
        _ => default_tile_url(),
    }
}

/// `MM_TILE_URL` when set (empty turns tiles off, e.g. on an intranet
/// without internet access), else OpenStreetMap's tiles.
pub fn default_tile_url() -> String {
    std::env::var("MM_TILE_URL").unwrap_or_else(|_| OSM_TILES.to_owned())
}

/// A Leaflet tile template: http(s), with `{z}`, `{x}` and `{y}`, no
/// spaces or quotes (it lands in an HTML attribute and in Leaflet).
pub fn tile_url_ok(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 500
        && ["{z}", "{x}", "{y}"].iter().all(|p| u.contains(p))
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\'))
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage<'a> {
    ctx: PageCtx<'a>,
    /// The stored value (empty: none).
    value: String,
    /// What applies without one.
    default: String,
    osm: &'static str,
    notice: Option<(String, bool)>,
}

fn settings_page(value: Option<&str>, staff: &Staff, status: StatusCode, notice: Option<(&str, bool)>) -> Response {
    let ctx = PageCtx::new(staff, "/admin/settings", staff.lang.t("Ustawienia", "Settings"));
    Page::with_status(
        status,
        SettingsPage {
            ctx,
            value: value.unwrap_or_default().to_owned(),
            default: default_tile_url(),
            osm: OSM_TILES,
            notice: notice.map(|(m, e)| (m.to_owned(), e)),
        },
    )
    .into_response()
}

pub async fn get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let stored = state.store.setting(TILE_URL_KEY).await?;
    Ok(settings_page(stored.as_deref(), &staff, StatusCode::OK, None))
}

pub async fn post(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let value = f.text("tile_url");
    if let Some(v) = &value
        && !tile_url_ok(v)
    {
        return Ok(settings_page(
            Some(v),
            &staff,
            StatusCode::BAD_REQUEST,
            Some((lang.t("Adres musi zaczynać się od https:// (lub http://) i zawierać {z}, {x} i {y}.", "The URL must start with https:// (or http://) and contain {z}, {x} and {y}."), true)),
        ));
    }
    state.store.put_setting(staff.actor(), TILE_URL_KEY, value.clone(), state.clock.now()).await?;
    Ok(settings_page(value.as_deref(), &staff, StatusCode::OK, Some((lang.t("Zapisano.", "Saved."), false))))
}
