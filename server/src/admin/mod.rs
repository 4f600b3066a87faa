//! The officials' web back office under `/admin`, and the public
//! `/transparency` page: server-rendered HTML, a little JavaScript only for
//! the map (Leaflet, vendored from npm by `web/vendor.mjs`).
//!
//! - [`session`]: cookie sessions, CSRF, the `Staff` extractor (roles);
//! - [`signin`]: sign-in with lock-out, sign-out, password change, language;
//! - [`reports`]: triage (list, map, CSV, detail, actions, bulk);
//! - [`content`]: news and events;
//! - [`categories`], [`accounts`], [`settings`]: admins' report and event
//!   categories, officials' accounts, the map's tile URL;
//! - [`assignee`]: a report's person in charge;
//! - here: departments, the audit log, transparency, static assets.

pub mod accounts;
pub mod assignee;
pub mod categories;
pub mod content;
pub mod html;
pub mod reports;
pub mod session;
pub mod settings;
pub mod signin;
pub mod view;

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Duration;

use html::{Lang, error_page, esc, options, page};
use session::Staff;

use crate::state::AppState;
use crate::store::CategoryReportStats;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(home))
        .route("/admin/login", get(signin::login_get).post(signin::login_post))
        .route("/admin/logout", post(signin::logout))
        .route("/admin/password", get(signin::password_get).post(signin::password_post))
        .route("/admin/lang", get(signin::set_lang))
        .route("/admin/reports", get(reports::list))
        .route("/admin/reports.csv", get(reports::csv))
        .route("/admin/reports/bulk", post(reports::bulk))
        .route("/admin/reports/{id}", get(reports::detail))
        .route("/admin/reports/{id}/action", post(reports::action))
        .route("/admin/reports/{id}/assign", post(reports::assign))
        .route("/admin/reports/{id}/visibility", post(reports::visibility))
        .route("/admin/reports/{id}/photos/{photo}", get(reports::photo))
        .route("/admin/map", get(reports::map))
        .route("/admin/events", get(content::events).post(content::event_create))
        .route("/admin/events/new", get(content::event_new))
        .route("/admin/events/{id}", get(content::event_edit).post(content::event_update))
        .route("/admin/events/{id}/delete", post(content::event_delete))
        .route("/admin/news", get(content::news).post(content::news_create))
        .route("/admin/news/new", get(content::news_new))
        .route("/admin/news/{id}", get(content::news_edit).post(content::news_update))
        .route("/admin/news/{id}/delete", post(content::news_delete))
        .route("/admin/departments", get(departments).post(department_create))
        .route("/admin/departments/members", post(department_member))
        .route("/admin/audit", get(audit))
        .route("/admin/ezd", get(crate::ezd::admin::page_get))
        .route("/admin/ezd/classes", post(crate::ezd::admin::set_class))
        .route("/admin/ezd/{id}/retry", post(crate::ezd::admin::retry))
        // Admins: categories, accounts, settings; anyone handling a report: its person.
        .route("/admin/categories", get(categories::list).post(categories::create))
        .route("/admin/categories/new", get(categories::new))
        .route("/admin/categories/{id}", get(categories::edit).post(categories::update))
        .route("/admin/event-categories", post(categories::event_create))
        .route("/admin/event-categories/{id}", get(categories::event_edit).post(categories::event_update))
        .route("/admin/accounts", get(accounts::list).post(accounts::create))
        .route("/admin/accounts/{id}", get(accounts::edit).post(accounts::update))
        .route("/admin/accounts/{id}/password", post(accounts::reset_password))
        .route("/admin/accounts/{id}/disable", post(accounts::disable))
        .route("/admin/accounts/{id}/delete", post(accounts::delete))
        .route("/admin/settings", get(settings::get).post(settings::post))
        .route("/admin/reports/{id}/assign-person", post(assignee::assign_person))
        .route("/admin/assets/{*path}", get(asset))
        .route("/transparency", get(transparency).layer(axum::Extension(TransparencyCache::default())))
}

/// The first page an official's role can use.
async fn home(staff: Staff) -> Redirect {
    if staff.can_triage() {
        Redirect::to("/admin/reports")
    } else if staff.role.can_publish() {
        Redirect::to("/admin/events")
    } else {
        Redirect::to("/admin/password")
    }
}

async fn departments(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let depts = state.store.list_departments().await.unwrap_or_default();
    let mut body = format!(
        r#"<table><caption>{}</caption><thead><tr><th scope="col">#</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Wydziały", "Departments"),
        t("Nazwa", "Name")
    );
    for d in &depts {
        body.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", d.id, esc(&d.name)));
    }
    let opts: Vec<(String, String)> = std::iter::once((String::new(), t("— żaden —", "— none —").to_owned()))
        .chain(depts.iter().map(|d| (d.id.to_string(), d.name.clone())))
        .collect();
    body.push_str(&format!(
        r#"</tbody></table>
<h2>{nh}</h2><form method="post" action="/admin/departments" class="stack"><input type="hidden" name="csrf" value="{csrf}">
<label for="name">{nl}</label><input id="name" name="name" required maxlength="200"><button type="submit">{add}</button></form>
<h2>{mh}</h2><form method="post" action="/admin/departments/members" class="stack"><input type="hidden" name="csrf" value="{csrf}">
<label for="member-login">{ll}</label><input id="member-login" name="login" required>
<label for="member-department">{dl}</label><select id="member-department" name="department">{opts}</select>
<button type="submit">{save}</button></form>"#,
        csrf = staff.csrf,
        nh = t("Nowy wydział", "New department"),
        nl = t("Nazwa wydziału", "Department name"),
        add = t("Dodaj", "Add"),
        mh = t("Przydział urzędnika do wydziału", "Put an official into a department"),
        ll = t("Login urzędnika", "Official's login"),
        dl = t("Wydział", "Department"),
        opts = options(&opts, ""),
        save = t("Zapisz", "Save"),
    ));
    page(staff.lang, t("Wydziały", "Departments"), Some(&staff), "/admin/departments", &body).into_response()
}

fn store_fail(staff: &Staff, e: crate::store::StoreError) -> Response {
    let crate::error::AppError(api) = e.into();
    let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    error_page(status, staff.lang, Some(staff), staff.lang.t(&api.message.pl, &api.message.en))
}

async fn department_create(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let Some(name) = f.text("name").filter(|n| n.chars().count() <= 200) else {
        return error_page(StatusCode::BAD_REQUEST, staff.lang, Some(&staff), staff.lang.t("Podaj nazwę.", "Enter a name."));
    };
    match state.store.create_department(staff.actor(), &name, state.clock.now()).await {
        Ok(_) => Redirect::to("/admin/departments").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

async fn department_member(State(state): State<AppState>, staff: Staff, body: Bytes) -> Response {
    let f = match staff.form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let login = f.text("login").unwrap_or_default();
    let dept = f.get("department").and_then(|d| d.parse().ok());
    match state.store.set_user_department(staff.actor(), &login, dept, state.clock.now()).await {
        Ok(()) => Redirect::to("/admin/departments").into_response(),
        Err(e) => store_fail(&staff, e),
    }
}

async fn audit(State(state): State<AppState>, staff: Staff) -> Response {
    if let Err(r) = staff.require(staff.is_admin()) {
        return r;
    }
    let t = |pl, en| staff.lang.t(pl, en);
    let rows = state.store.list_audit(500).await.unwrap_or_default();
    let mut body = format!(
        r#"<table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Ostatnie 500 zdarzeń", "The last 500 entries"),
        t("Kiedy", "When"),
        t("Kto", "Who"),
        t("Działanie", "Action"),
        t("Obiekt", "Entity"),
        t("Szczegóły", "Details"),
    );
    for a in rows {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td><code>{}</code></td></tr>",
            a.at.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d %H:%M:%S"),
            esc(&a.actor),
            esc(&a.action),
            esc(&a.entity),
            esc(a.entity_id.as_deref().unwrap_or("")),
            esc(&a.details.to_string()),
        ));
    }
    body.push_str("</tbody></table>");
    page(staff.lang, t("Dziennik zdarzeń", "Audit log"), Some(&staff), "/admin/audit", &body).into_response()
}

/// How long `/transparency`'s numbers are reused: the page is public, so
/// a burst of views must not each run the aggregates over 90 days.
const TRANSPARENCY_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The last computed numbers and when. A lock held while computing, so
/// concurrent views on an expired cache wait for one computation.
#[derive(Clone, Default)]
pub struct TransparencyCache(std::sync::Arc<tokio::sync::Mutex<Option<(std::time::Instant, Vec<CategoryReportStats>)>>>);

impl TransparencyCache {
    async fn stats(&self, state: &AppState) -> Vec<CategoryReportStats> {
        let mut slot = self.0.lock().await;
        if let Some((at, stats)) = slot.as_ref()
            && at.elapsed() < TRANSPARENCY_TTL
        {
            return stats.clone();
        }
        match state.store.report_stats(state.clock.now() - Duration::days(90)).await {
            Ok(stats) => {
                *slot = Some((std::time::Instant::now(), stats.clone()));
                stats
            }
            Err(e) => {
                tracing::warn!(error = %e, "transparency: cannot compute the report statistics");
                Vec::new()
            }
        }
    }
}

/// `/transparency`: per category over the last 90 days, reports received,
/// resolved, and the median time from receipt to the first resolution;
/// from SQL aggregates, cached for [`TRANSPARENCY_TTL`].
async fn transparency(
    State(state): State<AppState>,
    axum::Extension(cache): axum::Extension<TransparencyCache>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let t = |pl, en| lang.t(pl, en);
    let cats = state.store.report_categories().await.unwrap_or_default();
    let mut per: BTreeMap<String, CategoryReportStats> =
        cache.stats(&state).await.into_iter().map(|s| (s.category.clone(), s)).collect();
    let mut body = format!(
        r#"<p>{}</p><table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t("Zgłoszenia mieszkańców z ostatnich 90 dni i czas ich załatwienia.", "Residents' reports of the last 90 days and how long they took."),
        t("Zgłoszenia według kategorii, ostatnie 90 dni", "Reports by category, last 90 days"),
        t("Kategoria", "Category"),
        t("Przyjęte", "Received"),
        t("Załatwione", "Resolved"),
        t("Mediana czasu załatwienia", "Median time to resolve"),
    );
    for c in &cats {
        let (received, resolved, median) = per
            .remove(&c.id)
            .map(|s| (s.received, s.resolved, s.median_minutes_to_resolve))
            .unwrap_or_default();
        let median = match median {
            None => "—".to_owned(),
            Some(m) if m < 48 * 60 => format!("{:.1} h", m as f64 / 60.0),
            Some(m) => format!("{:.1} {}", m as f64 / 1440.0, t("dni", "days")),
        };
        body.push_str(&format!(
            r#"<tr data-category="{}"><th scope="row">{}</th><td>{received}</td><td>{resolved}</td><td>{median}</td></tr>"#,
            esc(&c.id),
            esc(lang.t(&c.name_pl, &c.name_en)),
        ));
    }
    body.push_str("</tbody></table>");
    page(lang, t("Przejrzystość: zgłoszenia", "Transparency: reports"), None, "/transparency", &body).into_response()
}

const ADMIN_CSS: &str = include_str!("../../assets/admin.css");
const ADMIN_MAP_JS: &str = include_str!("../../assets/admin-map.js");

/// Where vendored files live: `MM_ASSETS_DIR`, else the source tree's
/// `server/assets` (filled by `npm ci` in `web/`).
fn assets_dir() -> std::path::PathBuf {
    std::env::var_os("MM_ASSETS_DIR")
        .map(Into::into)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"))
}

/// Our own CSS/JS are compiled in; Leaflet is read from the assets
/// directory (the map degrades to its table when it is missing).
async fn asset(Path(path): Path<String>) -> Response {
    let typed = |ct: &'static str, body: Vec<u8>| {
        ([(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
    };
    match path.as_str() {
        "admin.css" => return typed("text/css; charset=utf-8", ADMIN_CSS.as_bytes().to_vec()),
        "admin-map.js" => return typed("text/javascript; charset=utf-8", ADMIN_MAP_JS.as_bytes().to_vec()),
        _ => {}
    }
    let ok = path.starts_with("vendor/")
        && path.split('/').all(|s| !s.is_empty() && s != ".." && s != "." && !s.contains('\\'));
    if !ok {
        return StatusCode::NOT_FOUND.into_response();
    }
    let ct = match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(assets_dir().join(&path)).await {
        Ok(b) => typed(ct, b),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
