//! `--demo`: the Siechnice data loads once per database.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

#[tokio::test]
async fn demo_loads_once_and_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let t = TestApp::in_dir(dir).await;
    assert!(
        mm_server::demo::load(t.store.as_ref(), chrono::Utc::now())
            .await
            .unwrap()
    );
    let seq = t.max_seq();
    assert!(seq > 0);
    let events = t
        .get("/api/v1/events")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let news = t
        .get("/api/v1/news?all=false")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    assert!(events > 0 && news > 0);
    let gmina = t.get("/api/v1/gmina").await;
    assert_eq!(gmina.status, StatusCode::OK);
    assert_eq!(gmina.json()["gmina"]["teryt"], "0223083");

    // A second start on the same data dir: nothing duplicated.
    let again = t.guard.reopen(&path).await;
    assert!(
        !mm_server::demo::load(again.as_ref(), chrono::Utc::now())
            .await
            .unwrap()
    );
    assert!(
        !mm_server::demo::load(t.store.as_ref(), chrono::Utc::now())
            .await
            .unwrap()
    );
    assert_eq!(again.list_events(None).await.unwrap().len(), events);
    assert_eq!(t.max_seq(), seq);
    assert_eq!(
        t.get("/api/v1/events")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        events
    );
}

// ---------- the living office (issue 11, step 7) ----------

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, header};
use mm_protocol::reports::ReportStatus;
use mm_server::store::{AdminReportFilter, Store};

async fn all_reports(store: &dyn Store) -> Vec<mm_server::store::AdminReport> {
    store.admin_reports(AdminReportFilter::default()).await.unwrap().rows
}

/// Signs in through the back office's own form; the session cookie.
/// The password step of the back office's sign-in: the session cookie and
/// where the server sends it next (the code step, or enrolment first).
async fn office_login(t: &TestApp, login: &str, password: &str) -> Option<(String, String)> {
    let form = t.send(Request::builder().uri("/admin/login").body(Body::empty()).unwrap()).await;
    let set = form.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    let pre = set.trim_start_matches("mm_login_csrf=").split(';').next().unwrap().to_owned();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("csrf", pre.as_str()), ("login", login), ("password", password)])
        .finish();
    let r = t
        .send(
            Request::builder()
                .method("POST")
                .uri("/admin/login")
                .header(header::COOKIE, format!("mm_login_csrf={pre}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let next = r.headers.get(header::LOCATION).map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("mm_session=").map(|v| v.split(';').next().unwrap().to_owned()))
        .filter(|v| !v.is_empty())
        .map(|v| (format!("mm_session={v}"), next))
}

async fn page(t: &TestApp, uri: &str, cookie: &str) -> (StatusCode, String) {
    let r = t.send(Request::builder().uri(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await;
    (r.status, r.text())
}

#[tokio::test]
async fn a_first_demo_start_loads_a_living_office_and_an_admin_who_can_sign_in() {
    let t = TestApp::new().await;
    let store = t.store.clone() as Arc<dyn Store>;
    let started = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, true).await.unwrap();
    assert!(started.loaded);
    let password = started.admin_password.expect("the first start creates the admin");
    assert!(password.len() >= 16 && password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");

    // About 60 reports in every state, over about four months.
    let rows = all_reports(store.as_ref()).await;
    assert!((55..=65).contains(&rows.len()), "{} reports", rows.len());
    for s in [ReportStatus::New, ReportStatus::Accepted, ReportStatus::InProgress, ReportStatus::Resolved, ReportStatus::Rejected, ReportStatus::Duplicate] {
        assert!(rows.iter().filter(|r| r.report.status == s).count() >= 3, "{s:?}");
    }
    let now = chrono::Utc::now();
    let oldest = rows.iter().map(|r| r.report.created_at).min().unwrap();
    let newest = rows.iter().map(|r| r.report.created_at).max().unwrap();
    assert!(now - oldest > chrono::Duration::days(100) && now - newest < chrono::Duration::days(1), "{oldest} .. {newest}");
    // Rejections carry their reason, resolutions a reply, duplicates their original.
    for r in &rows {
        let last = r.report.history.last().unwrap();
        match r.report.status {
            ReportStatus::Rejected | ReportStatus::Resolved => assert!(last.public_reply.as_deref().is_some_and(|x| x.len() > 10), "#{}", r.report.id),
            ReportStatus::Duplicate => assert!(r.report.duplicate_of.is_some()),
            ReportStatus::Accepted | ReportStatus::InProgress => assert!(r.department_id.is_some(), "#{} has a department", r.report.id),
            ReportStatus::New => {}
        }
    }
    // Case references for the accepted ones, as the EZD bridge brought them.
    let with_case: Vec<&str> = rows.iter().filter_map(|r| r.report.case_reference.as_deref()).collect();
    let accepted_ever = rows.iter().filter(|r| r.report.history.iter().any(|h| h.status == ReportStatus::Accepted)).count();
    assert_eq!(with_case.len(), accepted_ever, "every accepted report has its znak sprawy");
    for z in &with_case {
        let p: Vec<&str> = z.split('.').collect();
        assert!(p.len() == 4 && p[1] == "7021" && p[2].parse::<u32>().is_ok() && p[3].len() == 4, "{z}");
    }
    // One registration refused by the EZD: a dead letter to retry.
    let dead = mm_server::store::jobs::JobFilter {
        state: Some(mm_server::store::jobs::JobState::Dead),
        kind: None,
        limit: 100,
    };
    assert_eq!(store.jobs(dead).await.unwrap().len(), 1);
    // Internal notes and photos, served.
    let with_notes = {
        let mut n = 0;
        for r in &rows {
            n += usize::from(!store.report_internal(r.report.id).await.unwrap().unwrap().notes.is_empty());
        }
        n
    };
    assert!(with_notes >= 20, "{with_notes} reports with internal notes");
    let photos: Vec<&str> = rows.iter().flat_map(|r| r.report.photos.iter().map(|p| p.url.as_str())).collect();
    assert!(photos.len() >= 25, "{} photos", photos.len());
    let photo = t.get(photos[0]).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(image::load_from_memory(&photo.bytes).is_ok());

    // The admin signs in with the printed password and sees them all.
    // An admin enrols a second factor before anything else (the pages'
    // enrolment is tests/two_factor.rs'; here it is done behind their back).
    let (_, next) = office_login(&t, "admin", &password).await.expect("the demo admin's password");
    assert_eq!(next, "/admin/two-factor/enrol");
    common::enrol_admin(&t.state, "admin").await;
    let (cookie, next) = office_login(&t, "admin", &password).await.expect("the demo admin's password");
    assert_eq!(next, "/admin/login/code");
    t.answer_code(&cookie, "admin").await;
    let (status, list) = page(&t, "/admin/reports", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("Znalezione zgłoszenia: {}.", rows.len())), "the triage list");
    // /transparency is not empty: several months with reports, charts drawn.
    let (status, html) = page(&t, "/transparency", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.matches("<rect ").count() > 10, "bars drawn");
    let months = html.split(r#"<table class="months">"#).nth(1).unwrap();
    let busy = months.split("<tr><th scope=\"row\">").skip(1).filter(|row| !row.contains("<td>0</td><td>0</td>")).count();
    assert!(busy >= 4, "{busy} months with reports");

    // A second start: nothing again, no new password.
    let again = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, true).await.unwrap();
    assert!(!again.loaded && again.admin_password.is_none());
    assert_eq!(all_reports(store.as_ref()).await.len(), rows.len());
    assert!(office_login(&t, "admin", &password).await.is_some(), "the password still works");
}

#[tokio::test]
async fn an_existing_admin_account_is_kept_and_beside_a_real_ezd_no_reports_load() {
    let t = TestApp::new().await;
    t.add_user("admin", mm_protocol::auth::Role::Admin, "moje własne hasło").await;
    let store = t.store.clone() as Arc<dyn Store>;
    let started = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, false).await.unwrap();
    assert!(started.loaded, "the content loads");
    assert!(started.admin_password.is_none(), "an existing admin keeps their password");
    assert!(all_reports(store.as_ref()).await.is_empty(), "no demo reports beside a real EZD");
    assert!(store.find_user("admin").await.unwrap().is_some());
}

/// Reads the server's stderr until it serves; the demo admin's password if printed.
fn start_and_read_password(dir: &std::path::Path) -> Option<String> {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mm-server"))
        .args(["--addr", "127.0.0.1:0", "--ezd", "off", "--demo", "--data-dir"])
        .arg(dir)
        .env("MM_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut password = None;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("hasło / password: ").nth(1) {
            password = Some(rest.trim().to_owned());
        }
        if line.contains("serving") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    password
}

#[test]
fn mm_server_demo_prints_the_admin_password_on_the_first_start_only() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_and_read_password(dir.path()).expect("printed on the first start");
    assert!(first.len() >= 16, "{first}");
    assert_eq!(start_and_read_password(dir.path()), None, "never again");
}
