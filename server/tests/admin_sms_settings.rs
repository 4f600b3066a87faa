//! The gmina's ceiling on one-time SMS codes an hour as a back-office
//! field (`GminaSettings::sms_per_hour`, `POST /admin/settings/sms`),
//! through the router in-process over a real store (SQLite, or PostgreSQL
//! with `MM_TEST_BACKEND=postgres`): an admin sets and clears it, bad input
//! is a 400 that saves nothing, only admins set it, and each gmina's
//! ceiling is its own. That the codes stop at the ceiling:
//! `budget_api::sms_codes_are_bounded_per_address_and_per_gmina_and_go_only_to_mobiles`.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::Utc;
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::gmina::Teryt;
use mm_server::store::directory::{DEFAULT_SMS_PER_HOUR, GminaSettings, SMS_PER_HOUR_MAX};
use mm_server::store::{Actor, Store};
use security_support::*;

const CZERNICA: &str = "0223032";
const FORM: &str = "/admin/settings/sms";

/// Siechnice (the test store's own) and Czernica.
async fn world() -> TestApp {
    let t = TestApp::new().await;
    let now = Utc::now();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::siechnice_record(), now).await.unwrap();
    t.store.add_gmina(Actor("test".into()), mm_server::demo::czernica::record(), now).await.unwrap();
    t
}

async fn settings_of(store: &dyn Store, teryt: &Teryt) -> GminaSettings {
    store.gmina_record(teryt).await.unwrap().unwrap().settings
}

fn czernica() -> Teryt {
    Teryt::parse(CZERNICA).unwrap()
}

#[tokio::test]
async fn an_admin_sets_the_ceiling_and_clears_it_back_to_the_default() {
    let t = world().await;
    let home = t.store.gmina_scope().clone();
    let (admin, csrf) = staff(&t, Role::Admin).await;
    let page = page_get(&t, "/admin/settings", &admin).await.text();
    assert!(page.contains("id=\"sms-form\""), "{page}");
    assert!(page.contains(&format!("placeholder=\"{DEFAULT_SMS_PER_HOUR}\"")), "the default is shown");
    assert_eq!(settings_of(t.store.as_ref(), &home).await.sms_per_hour(), DEFAULT_SMS_PER_HOUR);

    let audit = t.audit_len().await;
    let r = form_post(&t, FORM, &admin, &format!("csrf={csrf}&sms_per_hour=+150+")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("value=\"150\""), "the saved value is shown");
    let s = settings_of(t.store.as_ref(), &home).await;
    assert_eq!((s.sms_per_hour, s.sms_per_hour()), (Some(150), 150));
    assert_eq!(t.audit_len().await, audit + 1, "audited as the gmina's update");
    assert!(page_get(&t, "/admin/settings", &admin).await.text().contains("value=\"150\""));

    let r = form_post(&t, FORM, &admin, &format!("csrf={csrf}&sms_per_hour={SMS_PER_HOUR_MAX}")).await;
    assert_eq!(r.status, StatusCode::OK, "the highest ceiling is taken");
    let r = form_post(&t, FORM, &admin, &format!("csrf={csrf}&sms_per_hour=")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let s = settings_of(t.store.as_ref(), &home).await;
    assert_eq!((s.sms_per_hour, s.sms_per_hour()), (None, DEFAULT_SMS_PER_HOUR), "empty: the default again");
}

#[tokio::test]
async fn bad_input_other_officials_and_another_gminas_admin_change_nothing() {
    let t = world().await;
    let home = t.store.gmina_scope().clone();
    let (admin, csrf) = staff(&t, Role::Admin).await;
    assert_eq!(form_post(&t, FORM, &admin, &format!("csrf={csrf}&sms_per_hour=40")).await.status, StatusCode::OK);
    let mut others = vec![];
    for role in [Role::Dispatcher, Role::Editor, Role::Department] {
        others.push((role, staff(&t, role).await));
    }
    let before = settings_of(t.store.as_ref(), &home).await;
    let audit = t.audit_len().await;
    let too_many = (SMS_PER_HOUR_MAX + 1).to_string();
    for (value, why) in [
        ("0", "none an hour would stop every vote"),
        ("-5", "negative"),
        (too_many.as_str(), "over the highest ceiling"),
        ("4294967296", "over u32"),
        ("99999999999999999999999", "far over"),
        ("12.5", "not whole"),
        ("1e3", "an exponent"),
        ("12 34", "two numbers"),
        ("sześćset", "words"),
        ("%EF%BC%91%EF%BC%92", "full-width digits"),
        ("12%00", "a NUL"),
    ] {
        let r = form_post(&t, FORM, &admin, &format!("csrf={csrf}&sms_per_hour={value}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.text());
        assert!(r.text().contains("role=\"alert\""), "{why}: the refusal is said");
    }
    let r = form_post(&t, FORM, &admin, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "no such field");
    let long = format!("csrf={csrf}&sms_per_hour={}", "9".repeat(100_000));
    assert!(form_post(&t, FORM, &admin, &long).await.status.is_client_error(), "an oversized value");
    // Not an admin: a dispatcher, an editor, a department's official.
    for (role, (cookie, their_csrf)) in &others {
        let r = form_post(&t, FORM, cookie, &format!("csrf={their_csrf}&sms_per_hour=5000")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    // Without the form's CSRF token, and signed out.
    assert_eq!(form_post(&t, FORM, &admin, "csrf=x&sms_per_hour=5000").await.status, StatusCode::FORBIDDEN);
    let signed_out = form_post(&t, FORM, "", "sms_per_hour=5000").await.status;
    assert!(signed_out == StatusCode::FORBIDDEN || signed_out.is_redirection(), "{signed_out}");
    assert_eq!(settings_of(t.store.as_ref(), &home).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited: nothing done");

    // Czernica's admin sets Czernica's ceiling; Siechnice's stays.
    let cz = t.store.for_gmina(&czernica());
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    cz.create_user(Actor("test".into()), "admin-czernica-sms", Role::Admin, &hash).await.unwrap();
    common::enrol_admin(&t.state, "admin-czernica-sms").await;
    let (cz_admin, cz_csrf) = sign_in(&t, "admin-czernica-sms").await;
    let r = form_post(&t, FORM, &cz_admin, &format!("csrf={cz_csrf}&sms_per_hour=7")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(settings_of(t.store.as_ref(), &czernica()).await.sms_per_hour, Some(7));
    assert_eq!(settings_of(t.store.as_ref(), &home).await, before, "Siechnice's ceiling stays");
}
