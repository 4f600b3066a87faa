//! Admins' settings page. Whether officials of every role must sign in
//! with a second factor (`POST /admin/settings/two-factor`,
//! `GminaSettings::two_factor_for_all`; admins must anyway). The map's
//! tile server, stored in the database.
//! Without a stored value the `MM_TILE_URL` environment variable is the
//! default, and without that OpenStreetMap's standard tiles
//! ([`OSM_TILES`]); `MM_TILE_URL` set empty turns the background off. The
//! maps draw the gmina's boundary and localities whatever the tiles do.
//!
//! And the gmina's departments that run the participatory budget and the
//! consultations (`GminaSettings::budget_department`,
//! `consultations_department`; by default "Budżet obywatelski" and
//! "Konsultacje społeczne"): `POST /admin/settings/departments`, one of
//! the gmina's departments each (a name kept as it is stays allowed even
//! when no department has it, so saving one does not force the other),
//! at most [`DEPARTMENT_NAME_MAX`] characters; a refusal saves nothing.
//! Officials of that department, and admins, get its back-office pages
//! ([`permit_department`]).
//!
//! And the gmina's ceiling on one-time SMS codes an hour
//! (`GminaSettings::sms_per_hour`, `sms::codes`): `POST
//! /admin/settings/sms`, 1 to [`SMS_PER_HOUR_MAX`], empty for the
//! default ([`DEFAULT_SMS_PER_HOUR`]); a refusal saves nothing.

use askama::Template;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use mm_protocol::auth::Role;

use super::session::Staff;
use super::view::{AdminError, AdminResult, Choice, Page, PageCtx, choices};
use crate::state::AppState;
use crate::store::backoffice::TILE_URL_KEY;
use crate::store::directory::{DEFAULT_SMS_PER_HOUR, DEPARTMENT_NAME_MAX, GminaSettings, SMS_PER_HOUR_MAX};
use crate::tenant::Tenant;

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

/// The gmina's settings (the defaults for a gmina without a record).
pub async fn gmina_settings(state: &AppState) -> AdminResult<GminaSettings> {
    let record = state.gminas.find(state.store.as_ref(), state.store.gmina_scope()).await?;
    Ok(record.map(|g| g.settings).unwrap_or_default())
}

/// Admins, and officials of the department `which` names in the gmina's
/// settings (`GminaSettings::budget_department`,
/// `consultations_department`); everyone else 403.
pub async fn permit_department(state: &AppState, staff: &Staff, which: fn(&GminaSettings) -> &str) -> AdminResult<()> {
    let ok = match (staff.role, staff.department) {
        (Role::Admin, _) => true,
        (Role::Department, Some(mine)) => {
            let settings = gmina_settings(state).await?;
            let name = which(&settings).trim();
            state.store.list_departments().await?.iter().any(|d| d.id == mine && d.name.trim() == name)
        }
        _ => false,
    };
    staff.permit(ok)
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
    /// The budget's and the consultations' department: the gmina's
    /// departments, the current (or typed) name selected.
    budget: Vec<Choice>,
    consultations: Vec<Choice>,
    departments_notice: Option<(String, bool)>,
    /// `GminaSettings::two_factor_for_all` (`auth::second_factor`).
    two_factor_for_all: bool,
    /// `GminaSettings::sms_per_hour` as stored or typed (empty: the default).
    sms_per_hour: String,
    sms_default: u32,
    sms_max: u32,
    sms_notice: Option<(String, bool)>,
}

/// The SMS form as posted: the value typed and, if refused or saved, what to say.
#[derive(Default)]
struct SmsForm<'a> {
    typed: Option<&'a str>,
    notice: Option<(String, bool)>,
}

/// The departments' `<option>`s with `current` selected, listed first when
/// no department has that name (the default in a gmina without it).
fn department_choices(names: &[String], current: &str) -> Vec<Choice> {
    let mut all = names.to_vec();
    if !all.iter().any(|n| n == current) {
        all.insert(0, current.to_owned());
    }
    choices(all.iter().map(|n| (n.clone(), n.clone())), current)
}

/// The page; `typed` the departments' form as posted (else the settings).
async fn page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    tiles: (Option<&str>, Option<(&str, bool)>),
    typed: Option<(&str, &str)>,
    departments_notice: Option<(String, bool)>,
    sms: SmsForm<'_>,
) -> AdminResult<Response> {
    let ctx = PageCtx::new(staff, "/admin/settings", staff.lang.t("Ustawienia", "Settings"));
    let settings = gmina_settings(state).await?;
    let (budget, consultations) = typed.unwrap_or((settings.budget_department(), settings.consultations_department()));
    let names: Vec<String> = state.store.list_departments().await?.into_iter().map(|d| d.name.trim().to_owned()).collect();
    let page = SettingsPage {
        ctx,
        value: tiles.0.unwrap_or_default().to_owned(),
        default: default_tile_url(),
        osm: OSM_TILES,
        notice: tiles.1.map(|(m, e)| (m.to_owned(), e)),
        budget: department_choices(&names, budget),
        consultations: department_choices(&names, consultations),
        departments_notice,
        two_factor_for_all: settings.two_factor_for_all.unwrap_or(false),
        sms_per_hour: sms.typed.map_or_else(|| settings.sms_per_hour.map(|n| n.to_string()).unwrap_or_default(), str::to_owned),
        sms_default: DEFAULT_SMS_PER_HOUR,
        sms_max: SMS_PER_HOUR_MAX,
        sms_notice: sms.notice,
    };
    Ok(Page::with_status(status, page).into_response())
}

pub async fn get(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let stored = state.store.setting(TILE_URL_KEY).await?;
    page(&state, &staff, StatusCode::OK, (stored.as_deref(), None), None, None, SmsForm::default()).await
}

/// `POST /admin/settings/departments` (admins): `budget_department` and
/// `consultations_department`, each one of the gmina's departments or the
/// name it has now; anything else 400 and nothing saved.
pub async fn departments(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let typed = |k: &str| f.get(k).unwrap_or_default().trim().to_owned();
    let (budget, consultations) = (typed("budget_department"), typed("consultations_department"));
    let settings = gmina_settings(&state).await?;
    let names: Vec<String> = state.store.list_departments().await?.into_iter().map(|d| d.name.trim().to_owned()).collect();
    let ok = |name: &str, now: &str| {
        !name.is_empty()
            && name.chars().count() <= DEPARTMENT_NAME_MAX
            && !name.chars().any(char::is_control)
            && (name == now || names.iter().any(|n| n == name))
    };
    let problem = if !ok(&budget, settings.budget_department()) {
        Some(lang.t(
            "Wybierz wydział budżetu obywatelskiego spośród wydziałów gminy.",
            "Choose the participatory budget's department among the gmina's departments.",
        ))
    } else if !ok(&consultations, settings.consultations_department()) {
        Some(lang.t(
            "Wybierz wydział konsultacji spośród wydziałów gminy.",
            "Choose the consultations' department among the gmina's departments.",
        ))
    } else {
        None
    };
    let stored = state.store.setting(TILE_URL_KEY).await?;
    if let Some(problem) = problem {
        let typed = Some((budget.as_str(), consultations.as_str()));
        let notice = Some((problem.to_owned(), true));
        return page(&state, &staff, StatusCode::BAD_REQUEST, (stored.as_deref(), None), typed, notice, SmsForm::default()).await;
    }
    let Some(mut record) = state.store.gmina_record(state.store.gmina_scope()).await? else {
        return Err(AdminError::not_found("Nie ma takiej gminy.", "No such gmina."));
    };
    record.settings.budget_department = Some(budget);
    record.settings.consultations_department = Some(consultations);
    state.store.update_gmina(staff.actor(), record, state.clock.now()).await?;
    state.gminas.invalidate();
    let notice = Some((lang.t("Zapisano wydziały.", "The departments were saved.").to_owned(), false));
    page(&state, &staff, StatusCode::OK, (stored.as_deref(), None), None, notice, SmsForm::default()).await
}

/// `POST /admin/settings/two-factor` (admins): whether officials of every
/// role must sign in with a second factor (admins must whatever it says).
/// Audited as the gmina's update.
pub async fn two_factor(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let Some(mut record) = state.store.gmina_record(state.store.gmina_scope()).await? else {
        return Err(AdminError::not_found("Nie ma takiej gminy.", "No such gmina."));
    };
    record.settings.two_factor_for_all = Some(f.flag("two_factor_for_all"));
    state.store.update_gmina(staff.actor(), record, state.clock.now()).await?;
    state.gminas.invalidate();
    let stored = state.store.setting(TILE_URL_KEY).await?;
    let notice = Some((staff.lang.t("Zapisano.", "Saved.").to_owned(), false));
    page(&state, &staff, StatusCode::OK, (stored.as_deref(), None), None, notice, SmsForm::default()).await
}

/// `POST /admin/settings/sms` (admins): `sms_per_hour`, the gmina's
/// ceiling on one-time SMS codes an hour, a whole number from 1 to
/// [`SMS_PER_HOUR_MAX`], or empty for [`DEFAULT_SMS_PER_HOUR`]; anything
/// else (or no such field) 400 and nothing saved. Audited as the gmina's
/// update.
pub async fn sms(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let typed = f.get("sms_per_hour").map(str::trim);
    let value = match typed {
        Some("") => Some(None),
        Some(t) if t.bytes().all(|b| b.is_ascii_digit()) => t.parse::<u32>().ok().filter(|n| (1..=SMS_PER_HOUR_MAX).contains(n)).map(Some),
        _ => None,
    };
    let stored = state.store.setting(TILE_URL_KEY).await?;
    let Some(value) = value else {
        let problem = lang.t(
            &format!("Podaj liczbę całkowitą od 1 do {SMS_PER_HOUR_MAX} albo zostaw pole puste (domyślnie {DEFAULT_SMS_PER_HOUR})."),
            &format!("Give a whole number from 1 to {SMS_PER_HOUR_MAX}, or leave it empty (the default, {DEFAULT_SMS_PER_HOUR})."),
        )
        .to_owned();
        let sms = SmsForm { typed: Some(typed.unwrap_or_default()), notice: Some((problem, true)) };
        return page(&state, &staff, StatusCode::BAD_REQUEST, (stored.as_deref(), None), None, None, sms).await;
    };
    let Some(mut record) = state.store.gmina_record(state.store.gmina_scope()).await? else {
        return Err(AdminError::not_found("Nie ma takiej gminy.", "No such gmina."));
    };
    record.settings.sms_per_hour = value;
    state.store.update_gmina(staff.actor(), record, state.clock.now()).await?;
    state.gminas.invalidate();
    let sms = SmsForm { typed: None, notice: Some((lang.t("Zapisano limit kodów SMS.", "The SMS codes' ceiling was saved.").to_owned(), false)) };
    page(&state, &staff, StatusCode::OK, (stored.as_deref(), None), None, None, sms).await
}

pub async fn post(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Response> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let lang = staff.lang;
    let value = f.text("tile_url");
    if let Some(v) = &value
        && !tile_url_ok(v)
    {
        let notice = (lang.t("Adres musi zaczynać się od https:// (lub http://) i zawierać {z}, {x} i {y}.", "The URL must start with https:// (or http://) and contain {z}, {x} and {y}."), true);
        return page(&state, &staff, StatusCode::BAD_REQUEST, (Some(v), Some(notice)), None, None, SmsForm::default()).await;
    }
    state.store.put_setting(staff.actor(), TILE_URL_KEY, value.clone(), state.clock.now()).await?;
    page(&state, &staff, StatusCode::OK, (value.as_deref(), Some((lang.t("Zapisano.", "Saved."), false))), None, None, SmsForm::default()).await
}
