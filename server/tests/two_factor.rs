//! Officials' second factor and sessions (issue 17, item 5), in-process on
//! either store: enrolment and sign-in with a TOTP code (RFC 6238) and a
//! recovery code, and the abuse cases: a half-signed-in session on every
//! kind of page, codes guessed until locked, a replayed code, another
//! official's sessions, forms without their CSRF token, the API's sign-in
//! without its code. Codes are computed here from the secret the
//! enrolment page shows, with the server's own `auth::totp` (checked
//! against RFC 6238's vectors in its unit tests).

use crate::common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use mm_protocol::auth::Role;
use mm_server::auth::totp;
use mm_server::state::AppState;
use mm_server::store::Actor;
use serde_json::{Value, json};
use tower::ServiceExt;

const PASS: &str = "correct horse battery";
/// The login form's double-submit token (any value the cookie repeats).
const LOGIN_CSRF: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

struct App {
    app: axum::Router,
    state: AppState,
    _dir: tempfile::TempDir,
    _guard: common::backend::StoreGuard,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_owned()))
            .filter(|v| !v.is_empty())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// admin1 (admin), disp1 and disp2 (dispatchers); admins must have a second factor.
async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    for (l, r) in [("admin1", Role::Admin), ("disp1", Role::Dispatcher), ("disp2", Role::Dispatcher)] {
        store.create_user(Actor("test".into()), l, r, &hash).await.unwrap();
    }
    // The test store's own gmina, with its name (the TOTP issuer) and settings.
    store.add_gmina(Actor("test".into()), mm_server::demo::czernica::siechnice_record(), chrono::Utc::now()).await.unwrap();
    let state = AppState::new(store);
    assert!(state.second_factor_for_admins, "on unless a test turns it off");
    App { app: mm_server::app(state.clone()), state, _dir: dir, _guard: guard }
}

impl App {
    async fn send(&self, method: &str, uri: &str, cookie: Option<&str>, body: &str, ip: [u8; 4]) -> Resp {
        let mut b = Request::builder().method(method).uri(uri).header(header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        if method == "POST" {
            b = b.header(header::CONTENT_TYPE, if body.starts_with('{') { "application/json" } else { "application/x-www-form-urlencoded" });
        }
        let mut req = b.body(Body::from(body.to_owned())).unwrap();
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        let res = self.app.clone().oneshot(req).await.unwrap();
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = axum::body::to_bytes(res.into_body(), 4 << 20).await.unwrap();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// The password step; the session cookie (`mm_session=…`) and where it leads.
    async fn password(&self, login: &str, ip: [u8; 4]) -> (String, String) {
        let r = self
            .send("POST", "/admin/login", Some(&format!("mm_login_csrf={LOGIN_CSRF}")), &format!("csrf={LOGIN_CSRF}&login={login}&password={}", enc(PASS)), ip)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        (format!("mm_session={}", r.cookie("mm_session").expect("a session cookie")), r.location().to_owned())
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        self.send("GET", uri, Some(cookie), "", [192, 0, 2, 1]).await
    }

    /// A form posted with the session's CSRF token.
    async fn post(&self, uri: &str, cookie: &str, fields: &str) -> Resp {
        self.send("POST", uri, Some(cookie), &format!("csrf={}&{fields}", csrf(cookie)), [192, 0, 2, 1]).await
    }

    async fn user_id(&self, login: &str) -> i64 {
        self.state.store.find_user(login).await.unwrap().unwrap().id
    }

    /// Enrols `login` behind the pages' back with `secret` (its first code
    /// still unused); the recovery codes.
    async fn enrol(&self, login: &str, secret: &[u8]) -> Vec<String> {
        let id = self.user_id(login).await;
        let s = &self.state;
        s.store.begin_totp(id, &s.factor_key.seal(id, secret)).await.unwrap();
        let codes: Vec<String> = (0..10).map(|_| mm_server::auth::factor_key::new_recovery_code()).collect();
        let hashes = codes.iter().map(|c| s.factor_key.recovery_hash(c)).collect();
        let step = totp::step_at(chrono::Utc::now().timestamp()) - 2;
        assert!(s.store.confirm_totp(Actor("test".into()), id, step, hashes, chrono::Utc::now()).await.unwrap());
        codes
    }

    async fn audit_text(&self) -> String {
        let entries = self.state.store.list_audit(1000).await.unwrap();
        entries.iter().map(|a| format!("{} {} {}\n", a.action, a.actor, a.details)).collect()
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn csrf(cookie: &str) -> String {
    mm_server::admin::session::csrf_for(cookie.trim_start_matches("mm_session="))
}

fn now_step() -> i64 {
    totp::step_at(chrono::Utc::now().timestamp())
}

/// The secret the enrolment page shows, as bytes.
fn secret_on(page: &str) -> Vec<u8> {
    let start = page.find("id=\"totp-secret\">").expect("the secret on the page") + "id=\"totp-secret\">".len();
    let text: String = page[start..].split('<').next().unwrap().chars().filter(|c| !c.is_whitespace()).collect();
    base32_decode(&text)
}

fn base32_decode(s: &str) -> Vec<u8> {
    let (mut buf, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in s.bytes() {
        let v = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".iter().position(|&a| a == c).expect("base32") as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

#[tokio::test]
async fn an_admin_enrols_then_signs_in_with_a_code_and_with_a_recovery_code() {
    let t = app().await;
    let (cookie, next) = t.password("admin1", [192, 0, 2, 1]).await;
    assert_eq!(next, "/admin/two-factor/enrol", "an admin without a second factor enrols first");
    // Until then the session opens nothing else.
    for page in ["/admin", "/admin/reports", "/admin/accounts", "/admin/audit", "/admin/sessions", "/admin/two-factor"] {
        let r = t.get(page, &cookie).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin/two-factor/enrol"), "{page}");
    }
    let r = t.post("/admin/accounts", &cookie, "login=mallory&role=admin&password=zielony+ogrod+za+domem&repeat=zielony+ogrod+za+domem").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a half sign-in may not post");
    let r = t.get("/admin/login/code", &cookie).await;
    assert_eq!(r.location(), "/admin/two-factor/enrol", "nor skip to the code step");

    let page = t.get("/admin/two-factor/enrol", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg") && page.body.contains("role=\"img\""), "the QR code, inline");
    assert!(page.body.contains("otpauth://totp/Gmina"), "{}", page.body);
    assert!(page.body.contains("autocomplete=\"one-time-code\"") && page.body.contains("inputmode=\"numeric\""));
    let secret = secret_on(&page.body);
    assert_eq!(secret.len(), 20);
    // Reloading keeps the secret the official may have scanned.
    assert_eq!(secret_on(&t.get("/admin/two-factor/enrol", &cookie).await.body), secret);
    // Without the CSRF token, refused.
    let r = t.send("POST", "/admin/two-factor/confirm", Some(&cookie), &format!("code={}", totp::code(&secret, now_step())), [192, 0, 2, 1]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let wrong = format!("{:06}", (totp::code(&secret, now_step()).parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(t.post("/admin/two-factor/confirm", &cookie, &format!("code={wrong}")).await.status, StatusCode::BAD_REQUEST);
    let first = now_step();
    let r = t.post("/admin/two-factor/confirm", &cookie, &format!("code={}", totp::code(&secret, first))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = r.body.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert_eq!(t.get("/admin/reports", &cookie).await.status, StatusCode::OK, "enrolled: the session is whole");

    // Next sign-in: the password, then a code.
    let (cookie, next) = t.password("admin1", [192, 0, 2, 1]).await;
    assert_eq!(next, "/admin/login/code");
    let r = t.get("/admin/reports", &cookie).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin/login/code"));
    let code_page = t.get("/admin/login/code", &cookie).await.body;
    assert!(code_page.contains("autocomplete=\"one-time-code\"") && code_page.contains("inputmode=\"numeric\""));
    // The enrolment's code, once used, is refused (RFC 6238 §5.2).
    let r = t.post("/admin/login/code", &cookie, &format!("code={}", totp::code(&secret, first))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "replay");
    // The next step's code (within the ±1 window) signs in.
    let r = t.post("/admin/login/code", &cookie, &format!("code={}", totp::code(&secret, first + 1))).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin"));
    assert_eq!(t.get("/admin/reports", &cookie).await.status, StatusCode::OK);

    // A recovery code works once.
    let (cookie, _) = t.password("admin1", [192, 0, 2, 1]).await;
    let r = t.post("/admin/login/code", &cookie, &format!("recovery_code={}", codes[0].to_uppercase())).await;
    assert_eq!(r.location(), "/admin", "{}", r.body);
    let (cookie, _) = t.password("admin1", [192, 0, 2, 1]).await;
    let r = t.post("/admin/login/code", &cookie, &format!("recovery_code={}", codes[0])).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "used already");
    assert!(t.get("/admin/two-factor", &cookie).await.status == StatusCode::SEE_OTHER);

    let audit = t.audit_text().await;
    for action in ["two_factor.enrol", "auth.second_factor ", "auth.recovery_code_used", "auth.second_factor_failed"] {
        assert!(audit.contains(action), "{action} in\n{audit}");
    }
    assert!(audit.contains("\"reason\":\"replayed\""), "{audit}");
    assert!(!audit.contains(&totp::base32(&secret)) && !audit.contains(&codes[0]) && !audit.contains(&codes[1]), "no secret or code in the audit");
}

#[tokio::test]
async fn guessed_codes_lock_like_passwords() {
    let t = app().await;
    let secret = b"12345678901234567890";
    t.enrol("disp1", secret).await;
    let (cookie, next) = t.password("disp1", [198, 51, 100, 7]).await;
    assert_eq!(next, "/admin/login/code", "enrolled: asked for a code whatever the policy");
    let right = totp::code(secret, now_step());
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(t.send("POST", "/admin/login/code", Some(&cookie), &format!("csrf={}&code={wrong}", csrf(&cookie)), [198, 51, 100, 7]).await.status);
    }
    assert_eq!(statuses[..4], [StatusCode::UNAUTHORIZED; 4]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "the fifth wrong code locks");
    let r = t.send("POST", "/admin/login/code", Some(&cookie), &format!("csrf={}&code={right}", csrf(&cookie)), [198, 51, 100, 7]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "locked: even the right code waits");
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(t.get("/admin/reports", &cookie).await.status, StatusCode::SEE_OTHER, "still half signed in");
    assert!(t.audit_text().await.contains("auth.locked"));
}

#[tokio::test]
async fn the_api_sign_in_asks_for_the_code() {
    let t = app().await;
    let login = |l: &str, code: Option<String>| {
        let mut body = json!({"login": l, "password": PASS});
        if let Some(c) = code {
            body["one_time_code"] = c.into();
        }
        body.to_string()
    };
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", None), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "second_factor_not_enrolled");
    let r = t.send("POST", "/api/v1/auth/login", None, &login("disp1", None), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::OK, "a dispatcher needs none by default");

    let secret = b"abcdefghijabcdefghij";
    let codes = t.enrol("admin1", secret).await;
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", None), [192, 0, 2, 9]).await;
    assert_eq!((r.status, r.json()["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("second_factor_required")));
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", Some("000000".into())), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let code = totp::code(secret, now_step());
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", Some(code.clone())), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", Some(code)), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the same code again: replay");
    let r = t.send("POST", "/api/v1/auth/login", None, &login("admin1", Some(codes[3].clone())), [192, 0, 2, 9]).await;
    assert_eq!(r.status, StatusCode::OK, "a recovery code");
}

#[tokio::test]
async fn a_gmina_can_require_it_of_every_official() {
    let t = app().await;
    let (disp, next) = t.password("disp1", [192, 0, 2, 1]).await;
    assert_eq!(next, "/admin", "not required of a dispatcher by default");
    assert_eq!(t.post("/admin/settings/two-factor", &disp, "two_factor_for_all=1").await.status, StatusCode::FORBIDDEN, "admins only");
    let secret = b"ssssssssssssssssssss";
    t.enrol("admin1", secret).await;
    let (admin, _) = t.password("admin1", [192, 0, 2, 1]).await;
    t.post("/admin/login/code", &admin, &format!("code={}", totp::code(secret, now_step()))).await;
    assert!(t.get("/admin/settings", &admin).await.body.contains("id=\"two_factor_for_all\""));
    let r = t.send("POST", "/admin/settings/two-factor", Some(&admin), "two_factor_for_all=1", [192, 0, 2, 1]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "without the CSRF token");
    assert_eq!(t.post("/admin/settings/two-factor", &admin, "two_factor_for_all=1").await.status, StatusCode::OK);
    let (_, next) = t.password("disp1", [192, 0, 2, 1]).await;
    assert_eq!(next, "/admin/two-factor/enrol", "now every official enrols");
    assert_eq!(t.get("/admin/reports", &disp).await.status, StatusCode::OK, "a session made before keeps working until it ends");
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_only_by_their_official_or_an_admin() {
    let t = app().await;
    let (mine, _) = t.password("disp1", [192, 0, 2, 1]).await;
    let (other, _) = t.password("disp1", [203, 0, 113, 5]).await;
    let (victim, _) = t.password("disp2", [192, 0, 2, 1]).await;
    let page = t.get("/admin/sessions", &mine).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("<tr data-session=").count(), 2, "{}", page.body);
    assert!(page.body.contains("203.0.113.0/24") && !page.body.contains("203.0.113.5"), "the address's prefix only");
    assert!(page.body.contains("Chrome, Linux"));
    for token in [&mine, &other] {
        let raw = token.trim_start_matches("mm_session=");
        assert!(!page.body.contains(raw) && !page.body.contains(&mm_server::auth::token::hash_token(raw)), "no token or its hash");
    }
    let ids: Vec<String> = page.body.split("<tr data-session=\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect();

    // disp1 cannot end disp2's session, by its id or through the admin's form.
    let victims = t.get("/admin/sessions", &victim).await.body;
    let victim_id = victims.split("<tr data-session=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    t.post("/admin/sessions/revoke", &mine, &format!("session={victim_id}")).await;
    let disp2 = t.user_id("disp2").await;
    let r = t.post(&format!("/admin/accounts/{disp2}/sessions/revoke"), &mine, "others=1").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get(&format!("/admin/accounts/{disp2}/sessions"), &mine).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get("/admin/reports", &victim).await.status, StatusCode::OK, "disp2's session lives");

    // Without the CSRF token: refused, nothing ends.
    let r = t.send("POST", "/admin/sessions/revoke", Some(&mine), "others=1", [192, 0, 2, 1]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get("/admin/reports", &other).await.status, StatusCode::OK);

    // Ending every other one works at its next request.
    assert_eq!(ids.len(), 2);
    let r = t.post("/admin/sessions/revoke", &mine, "others=1").await;
    assert_eq!(r.location(), "/admin/sessions");
    let r = t.get("/admin/reports", &other).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin/login"));
    assert_eq!(t.get("/admin/reports", &mine).await.status, StatusCode::OK, "this one stays");

    // An admin ends disp2's sessions.
    let secret = b"zzzzzzzzzzzzzzzzzzzz";
    t.enrol("admin1", secret).await;
    let (admin, _) = t.password("admin1", [192, 0, 2, 1]).await;
    let r = t.post("/admin/login/code", &admin, &format!("code={}", totp::code(secret, now_step()))).await;
    assert_eq!(r.location(), "/admin");
    let listed = t.get(&format!("/admin/accounts/{disp2}/sessions"), &admin).await;
    assert!(listed.body.contains(&victim_id));
    let r = t.post(&format!("/admin/accounts/{disp2}/sessions/revoke"), &admin, &format!("session={victim_id}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get("/admin/reports", &victim).await.location(), "/admin/login");
    assert!(t.audit_text().await.contains("session.revoke"));
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_the_official_disables_their_own() {
    let t = app().await;
    let secret = b"qqqqqqqqqqqqqqqqqqqq";
    t.enrol("disp1", secret).await;
    let (disp, _) = t.password("disp1", [192, 0, 2, 1]).await;
    assert_eq!(t.post("/admin/login/code", &disp, &format!("code={}", totp::code(secret, now_step()))).await.location(), "/admin");
    let admin_secret = b"wwwwwwwwwwwwwwwwwwww";
    t.enrol("admin1", admin_secret).await;
    let (admin, _) = t.password("admin1", [192, 0, 2, 1]).await;
    t.post("/admin/login/code", &admin, &format!("code={}", totp::code(admin_secret, now_step()))).await;
    let id = t.user_id("disp1").await;
    assert!(t.get(&format!("/admin/accounts/{id}"), &admin).await.body.contains("two-factor/reset"));
    // Not by the official themselves through the admin's form.
    assert_eq!(t.post(&format!("/admin/accounts/{id}/two-factor/reset"), &disp, "").await.status, StatusCode::FORBIDDEN);
    let r = t.post(&format!("/admin/accounts/{id}/two-factor/reset"), &admin, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.state.store.totp(id).await.unwrap().is_none());
    assert_eq!(t.get("/admin/reports", &disp).await.location(), "/admin/login", "their sessions ended");
    assert!(t.audit_text().await.contains("two_factor.reset"));

    // The admin turns their own off: the password and a code; required, so
    // they are sent to enrol again at once.
    let r = t.post("/admin/two-factor/disable", &admin, &format!("password={}&code=000000", enc(PASS))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a wrong code");
    let r = t.post("/admin/two-factor/disable", &admin, &format!("password=wrong&code={}", totp::code(admin_secret, now_step() + 1))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a wrong password");
    let r = t.post("/admin/two-factor/disable", &admin, &format!("password={}&code={}", enc(PASS), totp::code(admin_secret, now_step() + 1))).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin/two-factor/enrol"));
    assert_eq!(t.get("/admin/reports", &admin).await.location(), "/admin/two-factor/enrol");
}

#[tokio::test]
async fn every_password_goes_through_one_policy() {
    let t = app().await;
    let (cookie, _) = t.password("disp1", [192, 0, 2, 1]).await;
    for (new, why) in [("short-pass", "at least 12"), ("my-disp1-password", "login"), ("password1234", "common")] {
        let r = t.post("/admin/password", &cookie, &format!("current={}&new={new}&repeat={new}", enc(PASS))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}");
    }
    let ok = "zielony ogrod za domem";
    let r = t.post("/admin/password", &cookie, &format!("current={}&new={}&repeat={}", enc(PASS), enc(ok), enc(ok))).await;
    assert_eq!(r.status, StatusCode::OK);
}
