//! Admins' settings page. Today one setting: the map's tile URL, stored in
//! the database; without a stored value the `MM_TILE_URL` environment
//! variable is the default, and without either the map shows its points on
//! a plain background.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::html::{error_page, esc, page};
use super::session::Staff;
use crate::state::AppState;
use crate::store::backoffice::TILE_URL_KEY;

/// The tile URL the map page uses: the stored setting, else `MM_TILE_URL`.
pub async fn tile_url(state: &AppState) -> String {
    match state.store.setting(TILE_URL_KEY).await {
        Ok(Some(v)) => v,
        _ => env_default(),
    }
}

fn env_default() -> String {
    std::env::var("MM_TILE_URL").unwrap_or_default()
}

/// A Leaflet tile template: http(s), with `{z}`, `{x}` and `{y}`, no
/// spaces or quotes (it lands in an HTML attribute and in Leaflet).
pub fn tile_url_ok(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 500
        && ["{z}", "{x}", "{y}"].iter().all(|p| u.contains(p))
        && !u.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\'))
}

fn settings_page(state_value: Option<&str>, staff: &Staff, status: StatusCode, msg: Option<(&str, bool)>) -> Response {
    let t = |pl, en| staff.lang.t(pl, en);
    let msg = msg
        .map(|(m, err)| {
            format!(
                r#"<p class="{}" role="{}">{}</p>"#,
                if err { "error" } else { "ok" },
                if err { "alert" } else { "status" },
                esc(m)
            )
        })
        .unwrap_or_default();
    let default = env_default();
    let body = format!(
        r#"{msg}<form method="post" action="/admin/settings" class="stack">
<input type="hidden" name="csrf" value="{csrf}">
<label for="tile_url">{tl}</label>
<input id="tile_url" name="tile_url" type="url" maxlength="500" value="{value}" placeholder="https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png" aria-describedby="tile-hint">
<p id="tile-hint" class="hint">{hint} <code>{default}</code></p>
<button type="submit">{save}</button></form>"#,
        csrf = staff.csrf,
        tl = t("Adres kafelków mapy", "Map tile URL"),
        value = esc(state_value.unwrap_or("")),
        hint = t(
            "Szablon z {z}, {x} i {y}. Puste pole: ustawienie domyślne serwera (MM_TILE_URL):",
            "A template with {z}, {x} and {y}. Empty: the server's default (MM_TILE_URL):",
        ),
        default = if default.is_empty() { t("brak (mapa bez podkładu)", "none (the map has no background)").to_owned() } else { esc(&default) },
        save = t("Zapisz ustawienia", "Save the settings"),
    );
    (status, page(staff.lang, t("Ustawienia", "Settings"), Some(staff), "/admin/settings", &body)).into_response()
}

pub async fn get(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let stored = state.store.setting(TILE_URL_KEY).await.ok().flatten();
    settings_page(stored.as_deref(), &staff, StatusCode::OK, None)
}

pub async fn post(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let lang = staff.lang;
    let value = f.text("tile_url");
    if let Some(v) = &value
        && !tile_url_ok(v)
    {
        return settings_page(
            Some(v),
            &staff,
            StatusCode::BAD_REQUEST,
            Some((lang.t("Adres musi zaczynać się od https:// (lub http://) i zawierać {z}, {x} i {y}.", "The URL must start with https:// (or http://) and contain {z}, {x} and {y}."), true)),
        );
    }
    match state.store.put_setting(staff.actor(), TILE_URL_KEY, value.clone(), state.clock.now()).await {
        Ok(()) => settings_page(value.as_deref(), &staff, StatusCode::OK, Some((lang.t("Zapisano.", "Saved."), false))),
        Err(e) => {
            let api = crate::error::AppError::from(e).into_api();
            error_page(StatusCode::INTERNAL_SERVER_ERROR, lang, Some(&staff), lang.t(&api.message.pl, &api.message.en))
        }
    }
}
