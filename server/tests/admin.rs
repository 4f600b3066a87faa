//! The back office's security rules through the router, in-process:
//! CSRF on every form, roles on every page, lock-out after wrong passwords.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use mm_protocol::auth::Role;
use mm_server::state::AppState;
use mm_server::store::{Actor, Store};
use tower::ServiceExt;

const PASS: &str = "correct horse battery";

/// The app, its store, and what keeps the store's data for the test.
async fn app() -> (axum::Router, Arc<dyn Store>, (tempfile::TempDir, common::backend::StoreGuard)) {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    for (l, r) in [("admin1", Role::Admin), ("disp1", Role::Dispatcher), ("dept1", Role::Department), ("ed1", Role::Editor)] {
        store.create_user(Actor("test".into()), l, r, &hash).await.unwrap();
    }
    let d = store.create_department(Actor("test".into()), "Drogi", Utc::now()).await.unwrap();
    store.set_user_department(Actor("test".into()), "dept1", Some(d.id), Utc::now()).await.unwrap();
    let state = AppState::new(store.clone());
    // Admins sign in with a code too (`login` sends it).
    common::enrol_admin(&state, "admin1").await;
    (mm_server::app(state), store, (dir, guard))
}

async fn send(app: &axum::Router, method: &str, uri: &str, cookie: &str, body: &str) -> (StatusCode, Vec<String>, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let cookies = resp.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22).await.unwrap();
    (status, cookies, String::from_utf8_lossy(&bytes).into_owned())
}

fn cookie_value(cookies: &[String], name: &str) -> Option<String> {
    cookies.iter().find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_owned()))
}

async fn login(app: &axum::Router, login: &str, pass: &str) -> (StatusCode, Option<String>, String) {
    let (_, c, _) = send(app, "GET", "/admin/login", "", "").await;
    let pre = cookie_value(&c, "mm_login_csrf").unwrap();
    let (s, c, body) = send(app, "POST", "/admin/login", &format!("mm_login_csrf={pre}"), &format!("csrf={pre}&login={login}&password={}", pass.replace(' ', "+"))).await;
    (s, cookie_value(&c, "mm_session"), body)
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    html[i..i + 64].to_owned()
}

#[tokio::test]
async fn session_cookie_is_httponly_strict_and_forms_need_csrf() {
    let (app, _s, _d) = app().await;
    let (_, c, _) = send(&app, "GET", "/admin/login", "", "").await;
    let pre = cookie_value(&c, "mm_login_csrf").unwrap();
    // Sign-in without the token: refused.
    let (s, _, _) = send(&app, "POST", "/admin/login", &format!("mm_login_csrf={pre}"), &format!("login=admin1&password={}", PASS.replace(' ', "+"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, c, _) = send(&app, "POST", "/admin/login", &format!("mm_login_csrf={pre}"), &format!("csrf={pre}&login=admin1&password={}", PASS.replace(' ', "+"))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let set = c.iter().find(|c| c.starts_with("mm_session=")).unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let tok = cookie_value(&c, "mm_session").unwrap();
    let ck = format!("mm_session={tok}");
    // An admin's code step (`common::enrol_admin`), with the session's own token.
    let code = format!("csrf={}&code={}", mm_server::admin::session::csrf_for(&tok), common::admin_code("admin1", Utc::now()));
    assert_eq!(send(&app, "POST", "/admin/login/code", &ck, &code).await.0, StatusCode::SEE_OTHER);
    let (s, _, page) = send(&app, "GET", "/admin/departments", &ck, "").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = send(&app, "POST", "/admin/departments", &ck, "name=Zielen").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = send(&app, "POST", "/admin/departments", &ck, "csrf=0000&name=Zielen").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = send(&app, "POST", "/admin/departments", &ck, &format!("csrf={}&name=Zielen", csrf_of(&page))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn roles_are_checked_on_pages_and_posts() {
    let (app, store, _d) = app().await;
    let (_, ed, _) = login(&app, "ed1", PASS).await;
    let ed = format!("mm_session={}", ed.unwrap());
    assert_eq!(send(&app, "GET", "/admin/reports", &ed, "").await.0, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, "GET", "/admin/audit", &ed, "").await.0, StatusCode::FORBIDDEN);
    let (_, dp, _) = login(&app, "dept1", PASS).await;
    let dp = format!("mm_session={}", dp.unwrap());
    let (s, _, page) = send(&app, "GET", "/admin/reports", &dp, "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(send(&app, "GET", "/admin/departments", &dp, "").await.0, StatusCode::FORBIDDEN);
    // A department user may not assign (a dispatcher's job), even with a valid token.
    let (s, _, _) = send(&app, "POST", "/admin/reports/1/assign", &dp, &format!("csrf={}&department=1", csrf_of(&page))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let _ = store;
    // No session: pages redirect to sign-in, posts are refused.
    assert_eq!(send(&app, "GET", "/admin/reports", "", "").await.0, StatusCode::SEE_OTHER);
    assert_eq!(send(&app, "POST", "/admin/reports/bulk", "", "").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    let (app, store, _d) = app().await;
    for _ in 0..4 {
        assert_eq!(login(&app, "disp1", "wrong password").await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&app, "disp1", "wrong password").await.0, StatusCode::TOO_MANY_REQUESTS);
    let (s, tok, _) = login(&app, "disp1", PASS).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(tok.is_none());
    // Locked for this client (in-process requests carry no address: "unknown").
    let policy = mm_server::auth::signin::SignInPolicy::default();
    let counters = store.sign_in_counters("disp1", "unknown", policy, Utc::now()).await.unwrap();
    assert!(counters.pair.locked_until.is_some());
    // Others are not affected.
    assert_eq!(login(&app, "admin1", PASS).await.0, StatusCode::SEE_OTHER);
}
