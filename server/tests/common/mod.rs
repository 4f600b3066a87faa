//! An in-process server on the test backend's store ([`backend`]: a temp
//! SQLite file, or a PostgreSQL database of its own), and request helpers.
#![allow(dead_code)]

pub mod backend;
pub mod budget;
pub mod logs;
pub mod postgres;
#[macro_use]
pub mod store_contract;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use mm_protocol::auth::Role;
use mm_server::auth::totp;
use mm_server::state::{AppState, Clock};
use mm_server::store::{Actor, Store};
use serde_json::Value;
use tower::ServiceExt;

/// The TOTP secret of every admin [`TestApp::add_user`] and [`enrol_admin`] enrol.
pub const ADMIN_TOTP_SECRET: &[u8] = b"admins-test-secret-1";

thread_local! {
    /// The last TOTP step each admin enrolled by [`enrol_admin`] used, for
    /// the tests that build their own app and sign in through the router
    /// alone. A test's body runs on its own thread, with its one app.
    static LAST_STEPS: std::cell::RefCell<std::collections::HashMap<String, i64>> = Default::default();
}

/// Enrols `login` (in `state`'s store) with [`ADMIN_TOTP_SECRET`], behind
/// the pages' back (tests/two_factor.rs goes through the pages).
pub async fn enrol_admin(state: &AppState, login: &str) {
    let id = state.store.find_user(login).await.unwrap().expect("the official exists").id;
    state.store.begin_totp(id, &state.factor_key.seal(id, ADMIN_TOTP_SECRET)).await.unwrap();
    let now = state.clock.now();
    // Confirmed with a step before the window, so the window's three codes are all unused.
    let confirmed = totp::step_at(now.timestamp()) - 2;
    assert!(state.store.confirm_totp(Actor("test".into()), id, confirmed, vec![], now).await.unwrap());
    LAST_STEPS.with(|s| s.borrow_mut().insert(login.to_owned(), confirmed));
}

/// A code for the next sign-in of `login` (enrolled by [`enrol_admin`] on
/// this thread) at `now`: the first step of the accepted window (±1 step,
/// RFC 6238 §5.2) after the last one used, since a used step is refused.
pub fn admin_code(login: &str, now: chrono::DateTime<Utc>) -> String {
    let now = totp::step_at(now.timestamp());
    let step = LAST_STEPS.with(|s| {
        let mut steps = s.borrow_mut();
        let last = steps.get_mut(login).unwrap_or_else(|| panic!("{login} was not enrolled on this thread"));
        *last = (*last + 1).max(now - 1);
        *last
    });
    assert!(step <= now + 1, "{login} signed in more than three times in one 30-s step");
    totp::code(ADMIN_TOTP_SECRET, step)
}

pub struct TestApp {
    pub app: Router,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    /// Seconds added to the real clock (to move time forward).
    pub offset: Arc<AtomicI64>,
    pub dir: tempfile::TempDir,
    /// Keeps the PostgreSQL database (if any) for the test's life.
    pub guard: backend::StoreGuard,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_owned()
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        Self::in_dir(dir).await
    }

    /// The app over data already in `dir` (a SQLite file put there, say);
    /// under PostgreSQL, a fresh database with photos in `dir`.
    pub async fn in_dir(dir: tempfile::TempDir) -> TestApp {
        let (store, guard) = backend::open_store(dir.path()).await;
        Self::with_store(dir, store, guard)
    }

    /// The app restarted: a new store over the same data (file or database).
    pub async fn restart(self) -> TestApp {
        Self::reopen(self.dir, self.guard).await
    }

    /// The app over the data an earlier store of the test left in `dir`
    /// and the guard's database.
    pub async fn reopen(dir: tempfile::TempDir, guard: backend::StoreGuard) -> TestApp {
        let store = guard.reopen(dir.path()).await;
        Self::with_store(dir, store, guard)
    }

    fn with_store(dir: tempfile::TempDir, store: Arc<dyn Store>, guard: backend::StoreGuard) -> TestApp {
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let mut state = AppState::new(store.clone());
        state.clock =
            Clock::from_fn(move || Utc::now() + Duration::seconds(o.load(Ordering::SeqCst)));
        let app = mm_server::app(state.clone());
        TestApp {
            app,
            store,
            state,
            offset,
            dir,
            guard,
        }
    }

    /// The test's database, for SQL behind the store's back.
    pub fn sql(&self) -> backend::Sql {
        self.guard.sql(self.dir.path())
    }

    pub fn advance(&self, d: Duration) {
        self.offset.fetch_add(d.num_seconds(), Ordering::SeqCst);
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    /// A request with an optional bearer token and an optional JSON body.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.call("GET", uri, None, None).await
    }

    /// A new official; an admin enrolled with [`ADMIN_TOTP_SECRET`], as
    /// admins must be before they may sign in.
    pub async fn add_user(&self, login: &str, role: Role, password: &str) {
        let hash = mm_server::auth::password::hash(password).unwrap();
        self.store
            .create_user(Actor("test".into()), login, role, &hash)
            .await
            .unwrap();
        if role == Role::Admin {
            enrol_admin(&self.state, login).await;
        }
    }

    /// A code for `login`'s next sign-in: the first step of the accepted
    /// window (±1 step, RFC 6238 §5.2) after the last one used (read from
    /// the store), since a used step is refused.
    pub async fn one_time_code(&self, login: &str) -> String {
        let id = self.store.find_user(login).await.unwrap().expect("the official exists").id;
        let enrolled = self.store.totp(id).await.unwrap().expect("enrolled (`add_user`)");
        let now = totp::step_at(self.state.clock.now().timestamp());
        let step = enrolled.last_step.map_or(now - 1, |last| (last + 1).max(now - 1));
        assert!(step <= now + 1, "{login} signed in more than three times in one 30-s step");
        totp::code(ADMIN_TOTP_SECRET, step)
    }

    /// The back office's code step for `login` (enrolled by [`Self::add_user`]
    /// or [`enrol_admin`]), on the session `cookie` (`NAME=TOKEN`) that the
    /// password step set; asserts it lands on `/admin`.
    pub async fn answer_code(&self, cookie: &str, login: &str) {
        let token = cookie.split_once('=').map_or(cookie, |(_, token)| token);
        let csrf = mm_server::admin::session::csrf_for(token);
        let code = self.one_time_code(login).await;
        let r = self
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/admin/login/code")
                    .header("cookie", cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!("csrf={csrf}&code={code}")))
                    .unwrap(),
            )
            .await;
        let location = r.headers.get("location").map(|l| l.to_str().unwrap_or_default());
        assert_eq!(location, Some("/admin"), "{login}'s code: {}", r.text());
    }

    /// A signed-in official of `role` (an admin with their code); returns the token.
    pub async fn official(&self, role: Role) -> String {
        let login = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4());
        self.add_user(&login, role, "hasło-testowe-1").await;
        let mut body = serde_json::json!({"login": login, "password": "hasło-testowe-1"});
        if role == Role::Admin {
            body["one_time_code"] = self.one_time_code(&login).await.into();
        }
        let r = self.call("POST", "/api/v1/auth/login", None, Some(body)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    pub fn max_seq(&self) -> u64 {
        self.store.max_seq()
    }

    pub async fn audit_len(&self) -> usize {
        self.store.list_audit(100_000).await.unwrap().len()
    }
}

pub fn news_input(title: &str) -> Value {
    serde_json::json!({"title": title, "body": "Treść komunikatu.", "priority": "important"})
}

/// A two-hour event at noon in Warsaw three days from today: tests that ask
/// for Warsaw days (`?from=&to=`) must not see it spill into the next day,
/// as `now + 3 days` did when the tests ran after 22:00 in Warsaw.
pub fn event_input(title: &str, category: Option<&str>) -> Value {
    let day = Utc::now().with_timezone(&mm_protocol::LOCAL_TZ).date_naive() + chrono::Days::new(3);
    let start = day
        .and_hms_opt(12, 0, 0)
        .and_then(|noon| noon.and_local_timezone(mm_protocol::LOCAL_TZ).single())
        .expect("noon exists on every Warsaw day")
        .with_timezone(&Utc);
    let mut v = serde_json::json!({
        "title": title,
        "description": "Opis",
        "starts_at": start.to_rfc3339(),
        "ends_at": (start + Duration::hours(2)).to_rfc3339(),
        "place_name": "Rynek",
    });
    if let Some(c) = category {
        v["category"] = Value::from(c);
    }
    v
}

/// A gmina of the Wrocław powiat for a store test: `teryt` ("0223083") and
/// `name`, a small square boundary, a centre inside it and default
/// settings. Tests that need other settings change the returned record.
pub fn gmina_record(teryt: &str, name: &str) -> mm_server::store::GminaRecord {
    mm_server::store::GminaRecord {
        teryt: mm_protocol::gmina::Teryt::parse(teryt).unwrap(),
        name: name.into(),
        powiat: "wrocławski".into(),
        voivodeship: "dolnośląskie".into(),
        boundary: Some(mm_protocol::geo::Polygon {
            rings: vec![vec![[17.0, 51.0], [17.2, 51.0], [17.2, 51.1], [17.0, 51.0]]],
        }),
        center: Some(mm_protocol::geo::GeoPoint { lat: 51.05, lon: 17.1 }),
        branding: mm_protocol::gmina::Branding {
            coat_of_arms_url: None,
            primary_color: "#AA0000".into(),
            on_primary_color: "#FFFFFF".into(),
        },
        settings: mm_server::store::GminaSettings::default(),
    }
}
