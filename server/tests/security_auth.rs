//! Officials' sign-in under attack (security review 2026-12, findings 1-4),
//! in-process: one lock-out shared by the API and the back office, counted
//! per login and client address; Argon2 behind a bounded gate; failure rows
//! that expire; a password change or reset ends the other sessions.
//!
//! In-process requests carry no socket address, so each test request puts
//! the `ConnectInfo` the real listener would add into its extensions.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{Duration, Utc};
use mm_protocol::auth::Role;
use mm_server::state::{AppState, Clock};
use mm_server::store::Actor;
use serde_json::{Value, json};
use tower::ServiceExt;

const PASS: &str = "correct horse battery";

struct App {
    app: axum::Router,
    state: AppState,
    offset: Arc<AtomicI64>,
    dir: tempfile::TempDir,
    guard: common::backend::StoreGuard,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_owned()))
            .filter(|v| !v.is_empty())
    }
    fn retry_after(&self) -> Option<u64> {
        self.headers.get(header::RETRY_AFTER)?.to_str().ok()?.parse().ok()
    }
}

/// A fresh app with admin1, disp1 and victim; `tune` adjusts the state
/// before the router is built.
async fn app_tuned(tune: impl FnOnce(&mut AppState)) -> App {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    for (l, r) in [("admin1", Role::Admin), ("disp1", Role::Dispatcher), ("victim", Role::Dispatcher)] {
        store.create_user(Actor("test".into()), l, r, &hash).await.unwrap();
    }
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    let mut state = AppState::new(store.clone());
    // These probes are of the password step and its limits, and sign one
    // account in many times a minute: more than the three codes a TOTP
    // window holds. The second factor is off here; its own limits are
    // probed in tests/two_factor.rs, every other suite signs admins in
    // with a code (`common::enrol_admin`).
    state.second_factor_for_admins = false;
    state.clock = Clock::from_fn(move || Utc::now() + Duration::seconds(o.load(Ordering::SeqCst)));
    tune(&mut state);
    App { app: mm_server::app(state.clone()), state, offset, dir, guard }
}

async fn app() -> App {
    app_tuned(|_| {}).await
}

/// A client address: 10.0.0.N (IPv4) or 2001:db8:N::1 (IPv6, its own /64).
fn from(n: u16) -> SocketAddr {
    if n < 256 {
        SocketAddr::from(([10, 0, 0, n as u8], 40_000))
    } else {
        SocketAddr::from(([0x2001, 0xdb8, n, 0, 0, 0, 0, 1], 40_000))
    }
}

impl App {
    fn advance(&self, d: Duration) {
        self.offset.fetch_add(d.num_seconds(), Ordering::SeqCst);
    }

    async fn send(&self, mut req: Request<Body>, client: SocketAddr) -> Resp {
        req.extensions_mut().insert(ConnectInfo(client));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn api(&self, method: &str, uri: &str, token: Option<&str>, body: Option<Value>, client: SocketAddr) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req, client).await
    }

    async fn api_login(&self, login: &str, pass: &str, client: SocketAddr) -> Resp {
        self.api("POST", "/api/v1/auth/login", None, Some(json!({"login": login, "password": pass})), client).await
    }

    async fn page(&self, method: &str, uri: &str, cookie: &str, form: &str, client: SocketAddr) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap();
        self.send(req, client).await
    }

    /// The back office's sign-in form, as a browser posts it.
    async fn office_login(&self, login: &str, pass: &str, client: SocketAddr) -> Resp {
        let form = self.page("GET", "/admin/login", "", "", client).await;
        let pre = form.cookie("mm_login_csrf").expect("sign-in CSRF cookie");
        let body = format!("csrf={pre}&login={}&password={}", enc(login), enc(pass));
        self.page("POST", "/admin/login", &format!("mm_login_csrf={pre}"), &body, client).await
    }

    async fn office_session(&self, login: &str, client: SocketAddr) -> String {
        let r = self.office_login(login, PASS, client).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        format!("mm_session={}", r.cookie("mm_session").unwrap())
    }

    async fn api_token(&self, login: &str, client: SocketAddr) -> String {
        let r = self.api_login(login, PASS, client).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// Rows in every sign-in counter table (their names begin `login_`).
    fn counter_rows(&self) -> i64 {
        let sql = self.guard.sql(self.dir.path());
        let tables = sql.tables_named("login");
        assert!(!tables.is_empty(), "sign-in counters live in the database");
        tables
            .iter()
            .filter(|t| !t.contains("trusted"))
            .map(|t| sql.int(&format!("SELECT COUNT(*) FROM {t}"), &[]))
            .sum()
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[i..i + 64].to_owned()
}

#[tokio::test]
async fn finding_01_api_and_back_office_share_one_lock_out() {
    let t = app().await;
    let a = from(1);
    // Five wrong passwords in the back office lock victim for this address...
    for i in 0..5 {
        let r = t.office_login("victim", &format!("wrong-{i}"), a).await;
        let want = if i < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(r.status, want, "attempt {i}");
    }
    // ...and the API honours that lock: no token, even with the right password.
    let r = t.api_login("victim", PASS, a).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.json()["code"], "rate_limited");
    assert!(r.retry_after().is_some_and(|s| s > 0 && s <= 15 * 60), "Retry-After {:?}", r.retry_after());
    assert!(r.json().get("token").is_none());

    // The other way round: five wrong passwords through the API...
    let b = from(2);
    for i in 0..5 {
        let r = t.api_login("disp1", &format!("wrong-{i}"), b).await;
        let want = if i < 4 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(r.status, want, "API attempt {i}: {}", r.body);
    }
    // ...lock the back office too.
    let r = t.office_login("disp1", PASS, b).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.cookie("mm_session").is_none());
    assert!(r.body.contains("zablokowane"), "{}", r.body);
}

#[tokio::test]
async fn finding_01_api_token_and_back_office_cookie_are_not_interchangeable() {
    let t = app().await;
    let a = from(1);
    let token = t.api_token("admin1", a).await;
    // An API token is not a back-office session...
    let r = t.page("GET", "/admin/reports", &format!("mm_session={token}"), "", a).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "an API token opened the back office");
    assert_eq!(r.headers[header::LOCATION], "/admin/login");
    // ...and a back-office session is not an API token.
    let cookie = t.office_session("admin1", a).await;
    let session = cookie.trim_start_matches("mm_session=");
    let r = t.api("GET", "/api/v1/audit", Some(session), None, a).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a back-office cookie worked as a bearer token");
    // Each still works where it belongs.
    assert_eq!(t.api("GET", "/api/v1/audit", Some(&token), None, a).await.status, StatusCode::OK);
    assert_eq!(t.page("GET", "/admin/reports", &cookie, "", a).await.status, StatusCode::OK);
}

#[tokio::test]
async fn finding_01_api_login_is_limited_per_address_across_logins() {
    let t = app().await;
    let a = from(1);
    // Password spraying: one wrong password each for many logins, from one address.
    let mut limited = None;
    for i in 0..60 {
        let r = t.api_login(&format!("official-{i}"), "Wiosna2026!", a).await;
        match r.status {
            StatusCode::UNAUTHORIZED => assert_eq!(r.json()["code"], "invalid_credentials"),
            StatusCode::TOO_MANY_REQUESTS => {
                assert!(r.retry_after().is_some_and(|s| s > 0), "429 without Retry-After");
                limited = Some(i);
                break;
            }
            s => panic!("attempt {i}: {s} {}", r.body),
        }
    }
    let at = limited.expect("60 wrong logins from one address were never limited");
    assert!(at >= 10, "limited too early, after {at} attempts");
    // The address stays limited even for a right password...
    assert_eq!(t.api_login("admin1", PASS, a).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(t.office_login("admin1", PASS, a).await.status, StatusCode::TOO_MANY_REQUESTS);
    // ...while another address signs in at once.
    assert_eq!(t.api_login("admin1", PASS, from(2)).await.status, StatusCode::OK);
    // A whole IPv6 /64 is one address: rotating inside it does not help.
    for i in 0..at {
        let ip: std::net::Ipv6Addr = format!("2001:db8:77:0:{:x}::1", i + 1).parse().unwrap();
        let r = t.api_login(&format!("other-{i}"), "Wiosna2026!", SocketAddr::from((ip, 1))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i} from the /64");
    }
    let r = t.api_login("admin1", PASS, SocketAddr::from(("2001:db8:77:0:ffff::9".parse::<std::net::Ipv6Addr>().unwrap(), 1))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "a new address inside the same /64");
    // After the window the address may try again.
    t.advance(Duration::minutes(16));
    assert_eq!(t.api_login("admin1", PASS, a).await.status, StatusCode::OK);
}

/// Few Argon2 slots and no queue, so that parallel sign-ins overflow it.
fn small_gate(state: &mut AppState) {
    state.passwords = Arc::new(mm_server::auth::password::PasswordGate::new(1, 1, StdDuration::from_millis(100)));
}

#[tokio::test]
async fn finding_02_logins_beyond_the_argon2_queue_get_503_with_retry_after() {
    let t = app_tuned(small_gate).await;
    let app = Arc::new(t);
    let mut tasks = Vec::new();
    for i in 0..24u16 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { app.api_login(&format!("nobody-{i}"), "x", from(10 + i)).await }));
    }
    let mut busy = 0;
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.json()["code"], "unavailable");
                assert!(r.retry_after().is_some_and(|s| s >= 1), "503 without Retry-After");
                busy += 1;
            }
            s => panic!("{s}: {}", r.body),
        }
    }
    assert!(busy > 0, "24 parallel logins never found the Argon2 gate full");
    // A refused attempt is not a wrong password: the gate frees up and
    // the right password works from any of those addresses.
    let r = app.api_login("admin1", PASS, from(10)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn finding_03_wrong_passwords_from_one_address_do_not_lock_out_the_others() {
    let t = app().await;
    let attacker = from(66);
    for _ in 0..5 {
        t.office_login("admin1", "guess", attacker).await;
    }
    assert_eq!(t.office_login("admin1", PASS, attacker).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The admin, from their own address, is not locked out.
    let r = t.office_login("admin1", PASS, from(1)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.api_login("admin1", PASS, from(2)).await.status, StatusCode::OK);
    // The attacker's lock runs out after 15 minutes.
    t.advance(Duration::minutes(16));
    assert_eq!(t.api_login("admin1", PASS, attacker).await.status, StatusCode::OK);
}

/// Spacing attempts 5 s apart, and refusing a wait above 1 s, makes the
/// slow-down visible without timing anything.
fn spaced(state: &mut AppState) {
    state.sign_in.account_spacing = Duration::seconds(5);
    state.sign_in.max_delay = Duration::seconds(1);
}

#[tokio::test]
async fn finding_03_failures_from_many_addresses_slow_an_account_down_but_never_lock_it() {
    let t = app_tuned(spaced).await;
    // The admin's usual address signed in before the attack.
    let office = from(1);
    t.api_token("admin1", office).await;
    // A botnet: two guesses each from 12 addresses (each under every per-address limit).
    let mut spaced_out = 0;
    for n in 0..12u16 {
        for g in 0..2 {
            let r = t.api_login("admin1", &format!("guess-{n}-{g}"), from(300 + n)).await;
            match r.status {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::TOO_MANY_REQUESTS => spaced_out += 1,
                s => panic!("{s}: {}", r.body),
            }
        }
    }
    assert!(spaced_out > 0, "24 guesses from 12 addresses were never slowed down");
    // The account is not locked: once a slot is free, a new address signs
    // in with the right password...
    t.advance(Duration::seconds(6));
    let r = t.api_login("admin1", PASS, from(2)).await;
    assert_eq!(r.status, StatusCode::OK, "a fresh address was locked out: {}", r.body);
    // ...but attempts from new addresses are spaced out:
    let r = t.api_login("admin1", PASS, from(3)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "no slow-down for new addresses under attack");
    assert!(r.retry_after().is_some_and(|s| (1..=5).contains(&s)), "Retry-After {:?}", r.retry_after());
    let r = t.api_login("admin1", "guess-again", from(400)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the botnet is slowed down too");
    // The address the admin signed in from before is never slowed down.
    assert_eq!(t.api_login("admin1", PASS, office).await.status, StatusCode::OK);
    // After the spacing, a new address gets its turn.
    t.advance(Duration::seconds(6));
    assert_eq!(t.api_login("admin1", PASS, from(3)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn finding_03_failure_rows_expire() {
    let t = app().await;
    for i in 0..40u16 {
        let r = t.office_login(&format!("random-{i}-{}", uuid::Uuid::new_v4()), "x", from(100 + i / 5)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let before = t.counter_rows();
    assert!(before >= 40, "{before} rows for 40 failed logins");
    // An hour later, one more failure sweeps the stale rows away.
    t.advance(Duration::hours(1));
    t.office_login("random-last", "x", from(200)).await;
    let after = t.counter_rows();
    assert!(after <= 3, "{after} sign-in counter rows left an hour after 40 failures");
}

#[tokio::test]
async fn finding_04_own_password_change_ends_the_other_sessions_and_tokens() {
    let t = app().await;
    let a = from(1);
    let here = t.office_session("disp1", a).await;
    let elsewhere = t.office_session("disp1", from(2)).await;
    let token = t.api_token("disp1", from(3)).await;
    assert_eq!(t.api("GET", "/api/v1/reports/1/internal", Some(&token), None, from(3)).await.status, StatusCode::NOT_FOUND);

    let form = t.page("GET", "/admin/password", &here, "", a).await;
    let body = format!("csrf={}&current={}&new=Nowe-haslo-2026&repeat=Nowe-haslo-2026", csrf_of(&form.body), enc(PASS));
    let r = t.page("POST", "/admin/password", &here, &body, a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // This browser stays signed in; every other session and token ends.
    assert_eq!(t.page("GET", "/admin/reports", &here, "", a).await.status, StatusCode::OK);
    let r = t.page("GET", "/admin/reports", &elsewhere, "", from(2)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another browser's session survived the password change");
    let r = t.api("GET", "/api/v1/reports/1/internal", Some(&token), None, from(3)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "an API token survived the password change");
    // The new password signs in.
    assert_eq!(t.api_login("disp1", "Nowe-haslo-2026", from(3)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn finding_04_admin_reset_ends_every_session_and_token_of_the_account() {
    let t = app().await;
    let admin = t.office_session("admin1", from(1)).await;
    let victim_cookie = t.office_session("victim", from(2)).await;
    let victim_token = t.api_token("victim", from(3)).await;
    let id = t.state.store.find_user("victim").await.unwrap().unwrap().id;

    let page = t.page("GET", &format!("/admin/accounts/{id}"), &admin, "", from(1)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = format!("csrf={}&password=Reset-haslo-2026&repeat=Reset-haslo-2026", csrf_of(&page.body));
    let r = t.page("POST", &format!("/admin/accounts/{id}/password"), &admin, &body, from(1)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    assert_eq!(t.page("GET", "/admin/reports", &victim_cookie, "", from(2)).await.status, StatusCode::SEE_OTHER);
    let r = t.api("GET", "/api/v1/reports/1/internal", Some(&victim_token), None, from(3)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a stolen token survived the reset");
    // The admin who reset it is still signed in.
    assert_eq!(t.page("GET", "/admin/accounts", &admin, "", from(1)).await.status, StatusCode::OK);
}
