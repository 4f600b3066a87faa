//! The gmina's budget and consultations departments as its settings
//! (`GminaSettings::budget_department`, `consultations_department`;
//! `POST /admin/settings/departments`), through the router in-process over
//! a real store (SQLite, or PostgreSQL with `MM_TEST_BACKEND=postgres`):
//! the defaults keep today's names, changing a setting moves who opens
//! the pages, bad input is a 400 that saves nothing, only admins set it,
//! and each gmina's setting is its own.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::Utc;
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::gmina::Teryt;
use mm_server::store::directory::GminaSettings;
use mm_server::store::{Actor, Store};
use security_support::*;

const CZERNICA: &str = "0223032";
const FORM: &str = "/admin/settings/departments";
const PAGES: [&str; 2] = ["/admin/budget", "/admin/consultations"];

/// Siechnice (the test store's own) with the two default departments and
/// "Partycypacja"; Czernica. Returns their ids.
async fn world() -> (TestApp, [i64; 3]) {
    let t = TestApp::new().await;
    let now = Utc::now();
    let actor = || Actor("test".into());
    t.store.add_gmina(actor(), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(actor(), mm_server::demo::czernica::record(), now).await.unwrap();
    let mut ids = [0; 3];
    for (i, name) in ["Budżet obywatelski", "Konsultacje społeczne", "Partycypacja"].into_iter().enumerate() {
        ids[i] = t.store.create_department(actor(), name, now).await.unwrap().id;
    }
    (t, ids)
}

async fn settings_of(store: &dyn Store, teryt: &Teryt) -> GminaSettings {
    store.gmina_record(teryt).await.unwrap().unwrap().settings
}

fn czernica() -> Teryt {
    Teryt::parse(CZERNICA).unwrap()
}

fn form(csrf: &str, budget: &str, consultations: &str) -> String {
    format!("csrf={csrf}&budget_department={}&consultations_department={}", enc(budget), enc(consultations))
}

/// The status each page answers `cookie` with.
async fn statuses(t: &TestApp, cookie: &str) -> [StatusCode; 2] {
    [page_get(t, PAGES[0], cookie).await.status, page_get(t, PAGES[1], cookie).await.status]
}

#[tokio::test]
async fn changing_the_setting_moves_who_runs_the_budget_and_the_consultations() {
    let (t, [budget, consultations, participation]) = world().await;
    let home = t.store.gmina_scope().clone();
    let (ok, no) = (StatusCode::OK, StatusCode::FORBIDDEN);
    let (admin, csrf) = staff(&t, Role::Admin).await;
    let budget_official = department_official(&t, Some(budget)).await.0;
    let consultations_official = department_official(&t, Some(consultations)).await.0;
    let participation_official = department_official(&t, Some(participation)).await.0;

    // The defaults: today's names, unset in the stored settings.
    let before = settings_of(t.store.as_ref(), &home).await;
    assert_eq!((before.budget_department(), before.consultations_department()), ("Budżet obywatelski", "Konsultacje społeczne"));
    assert_eq!(statuses(&t, &budget_official).await, [ok, no]);
    assert_eq!(statuses(&t, &consultations_official).await, [no, ok]);
    assert_eq!(statuses(&t, &participation_official).await, [no, no]);
    let page = page_get(&t, "/admin/settings", &admin).await.text();
    assert!(page.contains("id=\"departments-form\""), "{page}");
    assert!(page.contains("<option value=\"Budżet obywatelski\" selected>"), "{page}");

    // The budget moves to Partycypacja: its officials get the budget, the old department is refused.
    let r = form_post(&t, FORM, &admin, &form(&csrf, "Partycypacja", "Konsultacje społeczne")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("<option value=\"Partycypacja\" selected>"));
    let after = settings_of(t.store.as_ref(), &home).await;
    assert_eq!(after.budget_department.as_deref(), Some("Partycypacja"));
    assert_eq!(after.consultations_department(), "Konsultacje społeczne");
    assert_eq!(statuses(&t, &budget_official).await, [no, no]);
    assert_eq!(statuses(&t, &consultations_official).await, [no, ok]);
    assert_eq!(statuses(&t, &participation_official).await, [ok, no]);

    // And the consultations too; admins keep both.
    let r = form_post(&t, FORM, &admin, &form(&csrf, "Partycypacja", "Partycypacja")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(statuses(&t, &consultations_official).await, [no, no]);
    assert_eq!(statuses(&t, &participation_official).await, [ok, ok]);
    assert_eq!(statuses(&t, &admin).await, [ok, ok]);

    // Czernica's settings are its own.
    let cz = settings_of(t.store.as_ref(), &czernica()).await;
    assert_eq!((cz.budget_department.as_deref(), cz.consultations_department.as_deref()), (None, None));
}

#[tokio::test]
async fn bad_input_other_officials_and_another_gminas_admin_change_nothing() {
    let (t, [budget, _, _]) = world().await;
    let home = t.store.gmina_scope().clone();
    let (admin, csrf) = staff(&t, Role::Admin).await;
    let budget_official = department_official(&t, Some(budget)).await;
    let editor = staff(&t, Role::Editor).await;
    let before = settings_of(t.store.as_ref(), &home).await;
    let audit = t.audit_len().await;
    let long = "B".repeat(101);
    for (body, why) in [
        (form(&csrf, "", "Konsultacje społeczne"), "an empty budget department"),
        (form(&csrf, "Budżet obywatelski", "   "), "a blank consultations department"),
        (form(&csrf, &long, "Konsultacje społeczne"), "a name too long"),
        (form(&csrf, "Drogi", "Konsultacje społeczne"), "no such department"),
        (form(&csrf, "Budżet obywatelski", "Drogi"), "no such department for consultations"),
        (form(&csrf, "Partycypacja\n", "Kon\u{7}sultacje"), "a control character"),
        (format!("csrf={csrf}&budget_department=Partycypacja"), "a field missing"),
    ] {
        let r = form_post(&t, FORM, &admin, &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{why}: the refusal is said");
    }
    // Not an admin: the budget's own official, and an editor.
    for (cookie, csrf) in [&budget_official, &editor] {
        let r = form_post(&t, FORM, cookie, &form(csrf, "Partycypacja", "Partycypacja")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // Without the form's CSRF token.
    let r = form_post(&t, FORM, &admin, &form("x", "Partycypacja", "Partycypacja")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(settings_of(t.store.as_ref(), &home).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited: nothing done");

    // Czernica's admin: Siechnice's departments are not Czernica's, and a
    // change of Czernica's own leaves Siechnice's as it was.
    let cz = t.store.for_gmina(&czernica());
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    cz.create_user(Actor("test".into()), "admin-czernica-test", Role::Admin, &hash).await.unwrap();
    common::enrol_admin(&t.state, "admin-czernica-test").await;
    let (cz_admin, cz_csrf) = sign_in(&t, "admin-czernica-test").await;
    let r = form_post(&t, FORM, &cz_admin, &form(&cz_csrf, "Partycypacja", "Konsultacje społeczne")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    cz.create_department(Actor("test".into()), "Budżet Czernicy", Utc::now()).await.unwrap();
    let r = form_post(&t, FORM, &cz_admin, &form(&cz_csrf, "Budżet Czernicy", "Konsultacje społeczne")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(settings_of(t.store.as_ref(), &czernica()).await.budget_department.as_deref(), Some("Budżet Czernicy"));
    assert_eq!(settings_of(t.store.as_ref(), &home).await, before, "Siechnice's settings stay");
    assert_eq!(statuses(&t, &budget_official.0).await[0], StatusCode::OK, "Siechnice's budget official keeps the budget");
}
