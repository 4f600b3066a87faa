//! The officials' web back office under `/admin`, and the public
//! `/transparency` page: server-rendered HTML from askama templates
//! (`server/templates/admin/`), with a little JavaScript in static files
//! only for the maps and the report page's keyboard shortcut (Leaflet,
//! vendored from npm by `web/vendor.mjs`; no inline script, as the CSP
//! demands).
//!
//! - [`view`]: the layout, escaping, `Page` and `AdminError` (every
//!   handler's one error type); [`charts`]: SVG bar charts;
//! - [`session`]: cookie sessions, CSRF, the `Staff` extractor (roles);
//! - [`signin`]: sign-in with lock-out, sign-out, password change, language;
//! - [`two_factor`]: the sign-in's second step (TOTP, recovery codes),
//!   enrolment with a QR code, an admin's reset; [`sessions`]: an
//!   official's sessions listed and revoked (issue 17);
//! - [`reports`]: triage (list, map, CSV, detail, actions, bulk);
//! - [`content`]: news and events;
//! - [`categories`], [`accounts`], [`settings`]: admins' report and event
//!   categories, officials' accounts, the map's tile server;
//! - [`statement`]: the gmina's accessibility statement (deklaracja dostępności);
//! - [`assignee`]: a report's person in charge;
//! - [`transparency`]: the public statistics with their charts;
//! - [`jobs`]: the job queue's dead letters of every kind, with retry;
//! - [`taxes`]: import runs, interest rates, taxpayers with their
//!   activation codes, the app's payments and their reconciliation;
//! - [`budget`]: the participatory budget's editions with their settings
//!   and pools, the projects' verification and appeals, paper ballots,
//!   lots, counts and publication;
//! - [`consultations`]: consultations' forms, status, results (SVG
//!   charts, CSV), moderation of free texts, and their public summary;
//! - [`notifications`]: notifications to residents' phones: compose with
//!   the recipient preview, the sent and scheduled list, cancel (issue 16);
//! - [`waste`]: the waste-collection schedule's import, zones, dictionary;
//! - [`html`], [`view`]: what the templates' handlers share;
//! - here: departments, the audit log, static assets.

pub mod accounts;
pub mod assignee;
pub mod budget;
pub mod categories;
pub mod charts;
pub mod consultations;
pub mod content;
pub mod html;
pub mod jobs;
pub mod notifications;
pub mod reports;
pub mod session;
pub mod sessions;
pub mod settings;
pub mod signin;
pub mod statement;
pub mod taxes;
pub mod transparency;
pub mod two_factor;
pub mod view;
pub mod waste;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use session::Staff;
use view::{AdminError, AdminResult, Choice, Page, PageCtx, choices};

use crate::state::AppState;
use crate::tenant::Tenant;
use crate::store::Department;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(home))
        .route("/admin/login", get(signin::login_get).post(signin::login_post))
        .route("/admin/logout", post(signin::logout))
        .route("/admin/password", get(signin::password_get).post(signin::password_post))
        .route("/admin/lang", get(signin::set_lang))
        // The second factor (issue 17): the sign-in's second step, enrolment, status; sessions.
        .route("/admin/login/code", get(two_factor::code_get).post(two_factor::code_post))
        .route("/admin/two-factor", get(two_factor::status_get))
        .route("/admin/two-factor/enrol", get(two_factor::enrol_get))
        .route("/admin/two-factor/confirm", post(two_factor::confirm))
        .route("/admin/two-factor/disable", post(two_factor::disable))
        .route("/admin/sessions", get(sessions::list))
        .route("/admin/sessions/revoke", post(sessions::revoke))
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
        .route("/admin/jobs", get(jobs::page_get))
        .route("/admin/jobs/{id}/retry", post(jobs::retry))
        .route("/admin/ezd", get(jobs::old_ezd_page))
        .route("/admin/ezd/classes", post(jobs::set_class))
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
        .route("/admin/accounts/{id}/two-factor/reset", post(two_factor::reset))
        .route("/admin/accounts/{id}/sessions", get(sessions::of_account))
        .route("/admin/accounts/{id}/sessions/revoke", post(sessions::revoke_of_account))
        .route("/admin/settings", get(settings::get).post(settings::post))
        .route("/admin/settings/departments", post(settings::departments))
        .route("/admin/settings/two-factor", post(settings::two_factor))
        .route("/admin/settings/sms", post(settings::sms))
        .route("/admin/settings/accessibility", get(statement::get).post(statement::post))
        .route("/admin/reports/{id}/assign-person", post(assignee::assign_person))
        // The participatory budget's counting: admins and the budget department (issue 15).
        .route("/admin/budget", get(budget::editions))
        .route("/admin/budget/editions/{id}", get(budget::edition))
        .route("/admin/budget/editions/{id}/pools/{pool}/lot", post(budget::lot))
        .route("/admin/budget/editions/{id}/pools/{pool}/count", post(budget::count))
        .route("/admin/budget/editions/{id}/publish", post(budget::publish))
        // Running an edition before the count: settings, pools, projects, paper ballots.
        .route("/admin/budget/editions", post(budget::editions::create))
        .route("/admin/budget/editions/new", get(budget::editions::new))
        .route("/admin/budget/editions/{id}/settings", get(budget::editions::edit).post(budget::editions::update))
        .route("/admin/budget/editions/{id}/pools", post(budget::pools::create))
        .route("/admin/budget/editions/{id}/pools/new", get(budget::pools::new))
        .route("/admin/budget/editions/{id}/pools/{pool}", get(budget::pools::edit).post(budget::pools::update))
        .route("/admin/budget/editions/{id}/projects", get(budget::projects::queue))
        .route("/admin/budget/projects/{id}", get(budget::projects::page))
        .route("/admin/budget/projects/{id}/verify", post(budget::projects::verify))
        .route("/admin/budget/projects/{id}/appeal", post(budget::projects::appeal))
        .route("/admin/budget/editions/{id}/paper", get(budget::paper::form).post(budget::paper::submit))
        // Consultations: admins and the consultations department (issue 15).
        .route("/admin/consultations", get(consultations::list).post(consultations::create))
        .route("/admin/consultations/new", get(consultations::new))
        .route("/admin/consultations/{id}", get(consultations::edit).post(consultations::update))
        .route("/admin/consultations/{id}/status", post(consultations::status))
        .route("/admin/consultations/{id}/results", get(consultations::results_page))
        .route("/admin/consultations/{id}/results.csv", get(consultations::results_csv))
        .route("/admin/consultations/{id}/moderation", get(consultations::moderation))
        .route("/admin/consultations/{id}/moderation/{text}", post(consultations::moderate))
        .route("/consultations/{id}", get(consultations::public))
        // The budget's public results page (issue 15; budget/page.rs).
        .route("/budget/editions/{id}", get(crate::budget::page::results_page))
        // Tax data: admins and the tax department's officials (issue 14).
        .route("/admin/taxes", get(taxes::overview))
        .route("/admin/taxes/rates", post(taxes::rate_add))
        .route("/admin/taxes/thresholds", post(taxes::threshold_add))
        .route("/admin/taxes/recipient", post(taxes::recipient_set))
        .route("/admin/taxes/taxpayers", get(taxes::taxpayers))
        .route("/admin/taxes/taxpayers/{id}", get(taxes::taxpayer))
        .route("/admin/taxes/taxpayers/{id}/code", post(taxes::code_issue))
        .route("/admin/taxes/taxpayers/{id}/revoke", post(taxes::codes_revoke))
        .route("/admin/taxes/payments", get(taxes::payments))
        // Notifications to residents' phones: whoever may publish news (issue 16).
        .route("/admin/notifications", get(notifications::list).post(notifications::create))
        .route("/admin/notifications/new", get(notifications::new))
        .route("/admin/notifications/{id}", get(notifications::detail))
        .route("/admin/notifications/{id}/cancel", post(notifications::cancel))
        // The waste-collection schedule: admins and editors (issue 16).
        .route("/admin/waste", get(waste::get))
        .route("/admin/waste/import", post(waste::import_post).layer(axum::extract::DefaultBodyLimit::max(waste::UPLOAD_MAX)))
        .route("/admin/assets/{*path}", get(asset))
        .route("/transparency", get(transparency::page).layer(axum::Extension(transparency::TransparencyCache::default())))
        // Below every route: an `AdminError` becomes its page, and is logged.
        .layer(axum::middleware::from_fn(view::render_errors))
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

#[derive(Template)]
#[template(path = "admin/departments.html")]
struct DepartmentsPage<'a> {
    ctx: PageCtx<'a>,
    departments: Vec<Department>,
    choices: Vec<Choice>,
}

async fn departments(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let t = |pl, en| staff.lang.t(pl, en);
    let departments = state.store.list_departments().await?;
    let choices = choices(
        std::iter::once((String::new(), t("— żaden —", "— none —").to_owned()))
            .chain(departments.iter().map(|d| (d.id.to_string(), d.name.clone()))),
        "",
    );
    let ctx = PageCtx::new(&staff, "/admin/departments", t("Wydziały", "Departments"));
    Ok(Page::ok(DepartmentsPage { ctx, departments, choices }).into_response())
}

async fn department_create(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let Some(name) = f.text("name").filter(|n| n.chars().count() <= 200) else {
        return Err(AdminError::bad_request("Podaj nazwę.", "Enter a name."));
    };
    state.store.create_department(staff.actor(), &name, state.clock.now()).await?;
    Ok(Redirect::to("/admin/departments"))
}

async fn department_member(Tenant(state): Tenant, staff: Staff, body: Bytes) -> AdminResult<Redirect> {
    let f = staff.posted(&body)?;
    staff.permit(staff.is_admin())?;
    let login = f.text("login").unwrap_or_default();
    let dept = f.get("department").and_then(|d| d.parse().ok());
    state.store.set_user_department(staff.actor(), &login, dept, state.clock.now()).await?;
    Ok(Redirect::to("/admin/departments"))
}

/// One audit entry as the log shows it.
struct AuditRow {
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage<'a> {
    ctx: PageCtx<'a>,
    rows: Vec<AuditRow>,
}

async fn audit(Tenant(state): Tenant, staff: Staff) -> AdminResult<Response> {
    staff.permit(staff.is_admin())?;
    let rows = state
        .store
        .list_audit(500)
        .await?
        .into_iter()
        .map(|a| AuditRow {
            at: a.at.with_timezone(&mm_protocol::LOCAL_TZ).format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: a.actor,
            action: a.action,
            entity: a.entity,
            entity_id: a.entity_id.unwrap_or_default(),
            details: a.details.to_string(),
        })
        .collect();
    let ctx = PageCtx::new(&staff, "/admin/audit", staff.lang.t("Dziennik zdarzeń", "Audit log"));
    Ok(Page::ok(AuditPage { ctx, rows }).into_response())
}

const ADMIN_CSS: &str = include_str!("../../assets/admin.css");
const ADMIN_MAP_JS: &str = include_str!("../../assets/admin-map.js");
const ADMIN_REPORT_JS: &str = include_str!("../../assets/admin-report.js");
const BUDGET_RESULTS_MAP_JS: &str = include_str!("../../assets/budget-results-map.js");
const ADMIN_NOTIFY_JS: &str = include_str!("../../assets/admin-notify.js");

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
        "admin-report.js" => return typed("text/javascript; charset=utf-8", ADMIN_REPORT_JS.as_bytes().to_vec()),
        "budget-results-map.js" => return typed("text/javascript; charset=utf-8", BUDGET_RESULTS_MAP_JS.as_bytes().to_vec()),
        "admin-notify.js" => return typed("text/javascript; charset=utf-8", ADMIN_NOTIFY_JS.as_bytes().to_vec()),
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
