//! Many gminas in one deployment (issue 13): two gminas with data of their
//! own, and for every route of the API, Open311 and the back office the
//! officials and devices of gmina A aimed at gmina B's data, by id, form
//! and parameter. Public listings and the sync feed of A never carry B's
//! rows; A's credentials never reach B's; and B's data is, at the end,
//! exactly what it was (read back from B's store). The routes are listed
//! from the served OpenAPI document and from the Open311 and back-office
//! routers' source, so a route added later without a check here fails
//! `every_route_keeps_gminas_apart`.
//!
//! Also: resolving a request's gmina (none named, unknown, malformed) and
//! the directory (`GET /api/v1/gminas`).

use crate::common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, TestApp, event_input};
use mm_protocol::geo::Polygon;
use mm_protocol::gmina::Teryt;
use mm_server::gmina::setup::{self, NewGmina};
use mm_server::reports::ratelimit::Limits;
use mm_server::store::jobs::JobFilter;
use mm_server::store::{ReportFilter, Store};
use serde_json::{Value, json};

const A: &str = "0223083";
const B: &str = "0223032";
/// Text every one of B's rows carries, and never A's: a response of A
/// that holds it leaked B's data.
const B_MARK: &str = "BETAMARK";
const A_MARK: &str = "ALFAMARK";

fn square(w: f64, s: f64, e: f64, n: f64) -> Polygon {
    Polygon { rings: vec![vec![[w, s], [e, s], [e, n], [w, n], [w, s]]] }
}

/// A gmina's actors and the ids of its rows.
struct Side {
    admin_login: String,
    admin_password: String,
    admin_id: i64,
    /// An API bearer token of its admin.
    token: String,
    /// A back-office session cookie of its admin and its CSRF token.
    cookie: String,
    csrf: String,
    device: String,
    news: i64,
    event: i64,
    event_category: String,
    report_category: String,
    place: i64,
    photo: String,
    report: i64,
    department: i64,
    job: i64,
    /// A point inside the gmina.
    lat: f64,
    lon: f64,
}

struct World {
    t: TestApp,
    a: Side,
    b: Side,
    covered: Mutex<BTreeSet<String>>,
}

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(48, 32, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap_or("").to_owned()))
        .filter(|v| !v.is_empty())
}

/// A request: `gmina` as the `MM-Gmina` header, a bearer token, a cookie,
/// and a JSON, form or raw body.
#[derive(Default)]
struct Req<'a> {
    gmina: Option<&'a str>,
    token: Option<&'a str>,
    cookie: Option<&'a str>,
    json: Option<Value>,
    form: Option<String>,
    raw: Option<(&'a str, Vec<u8>)>,
    idempotency: Option<String>,
}

impl World {
    async fn send(&self, method: &str, uri: &str, r: Req<'_>) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(g) = r.gmina {
            b = b.header("MM-Gmina", g);
        }
        if let Some(t) = r.token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = r.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(k) = r.idempotency {
            b = b.header("idempotency-key", k);
        }
        let body = if let Some(v) = r.json {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        } else if let Some(f) = r.form {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f)
        } else if let Some((ct, bytes)) = r.raw {
            b = b.header(header::CONTENT_TYPE, ct);
            Body::from(bytes)
        } else {
            Body::empty()
        };
        self.t.send(b.body(body).unwrap()).await
    }

    /// Records that `route` ("METHOD /path/{param}") was checked.
    fn cover(&self, route: &str) {
        self.covered.lock().unwrap().insert(route.to_owned());
    }

    /// A's admin through the API, in A (`MM-Gmina: A`).
    async fn a_official(&self, method: &str, uri: &str, json: Option<Value>) -> Resp {
        self.send(method, uri, Req { gmina: Some(A), token: Some(&self.a.token), json, ..Default::default() }).await
    }

    /// A's device through the API, in A.
    async fn a_device(&self, method: &str, uri: &str, json: Option<Value>) -> Resp {
        self.send(method, uri, Req { gmina: Some(A), token: Some(&self.a.device), json, ..Default::default() }).await
    }

    /// Anyone, in gmina `g`.
    async fn public(&self, uri: &str, g: &str) -> Resp {
        self.send("GET", uri, Req { gmina: Some(g), ..Default::default() }).await
    }

    /// A's admin in the back office (the session's gmina: A).
    async fn a_page(&self, uri: &str) -> Resp {
        self.send("GET", uri, Req { cookie: Some(&self.a.cookie), ..Default::default() }).await
    }

    async fn a_post(&self, uri: &str, form: &str) -> Resp {
        let form = format!("csrf={}&{form}", self.a.csrf);
        self.send("POST", uri, Req { cookie: Some(&self.a.cookie), form: Some(form), ..Default::default() }).await
    }

    fn b_store(&self) -> Arc<dyn Store> {
        self.t.store.for_gmina(&Teryt::parse(B).unwrap())
    }
}

/// B's taxpayer (named with B's mark), a liability, an activation code
/// B's device linked with it, and a pending payment of that device; the
/// code (used) and the payment's id.
async fn taxes_of_b(w: &World) -> (String, String) {
    use mm_protocol::taxes::{LiabilityKind, LiabilityRecord, Taxpayer};
    use mm_server::store::taxes::{ImportedTaxpayer, NewPayment, TaxBatch};
    let b = w.b_store();
    let code = mm_server::taxes::codes::new_code();
    let now = chrono::Utc::now();
    let bban = "102010260000000000012345";
    let batch = TaxBatch {
        taxpayers: vec![ImportedTaxpayer {
            taxpayer: Taxpayer { id: format!("{B_MARK}-TP"), name: format!("{B_MARK} Podatnik") },
            code_hash: Some(mm_server::taxes::codes::hash_code(&Teryt::parse(B).unwrap(), &code)),
            code_expires_at: Some(now + chrono::Duration::days(30)),
        }],
        liabilities: vec![LiabilityRecord {
            id: format!("{B_MARK}-L1"),
            taxpayer: format!("{B_MARK}-TP"),
            kind: LiabilityKind::Property,
            year: 2025,
            instalment: 1,
            decision: format!("{B_MARK}-D"),
            due_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 15).unwrap(),
            amount_grosze: 12_345,
            account: format!("{}{bban}", mm_protocol::taxes::checksums::nrb_check_digits(bban).unwrap()),
            payments: vec![],
        }],
        booked_references: vec![],
    };
    // The source named with B's mark: A's import runs must not show it.
    b.import_taxes(mm_server::store::Actor("test".into()), &format!("file:{B_MARK}.json"), batch, vec![], false, now).await.unwrap();
    let device = mm_server::devices::auth::device_by_token(&mm_server::tenant::scoped(&w.t.state, &Teryt::parse(B).unwrap()), &w.b.device)
        .await
        .unwrap()
        .unwrap();
    let hash = mm_server::taxes::codes::hash_code(&Teryt::parse(B).unwrap(), &code);
    b.link_device(&device.id, &hash, now).await.unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let payment = NewPayment {
        id: id.clone(),
        device_id: device.id,
        liability: format!("{B_MARK}-L1"),
        amount_grosze: 100,
        provider: "p24".into(),
        idempotency_key: "b-1".into(),
        request_hash: "h".into(),
        now,
    };
    b.create_payment(payment, None).await.unwrap().unwrap();
    (code, id)
}

/// `r` shows nothing of B's.
#[track_caller]
fn no_b(what: &str, r: &Resp) {
    assert!(r.status.is_success(), "{what}: {} {}", r.status, r.text());
    assert!(!r.text().contains(B_MARK), "{what} shows gmina B's data: {}", r.text());
}

/// `r` is a refusal that tells nothing (404).
#[track_caller]
fn not_found(what: &str, r: &Resp) {
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {}", r.text());
    assert!(!r.text().contains(B_MARK), "{what} shows gmina B's data: {}", r.text());
}

/// `r` is refused, whichever refusal (the store is checked afterwards).
#[track_caller]
fn refused(what: &str, r: &Resp) {
    assert!(
        r.status.is_client_error(),
        "{what} should be refused, was {}: {}",
        r.status,
        r.text()
    );
    assert!(!r.text().contains(B_MARK), "{what} shows gmina B's data: {}", r.text());
}

/// Signs an official in to the back office: the cookie and a CSRF token.
async fn back_office(t: &World, login: &str, password: &str) -> (String, String) {
    let r = t.send("GET", "/admin/login", Req::default()).await;
    let pre = set_cookie(&r, "mm_login_csrf").expect("a sign-in CSRF cookie");
    let r = t
        .send(
            "POST",
            "/admin/login",
            Req {
                cookie: Some(&format!("mm_login_csrf={pre}")),
                form: Some(format!("csrf={pre}&login={}&password={}", enc(login), enc(password))),
                ..Default::default()
            },
        )
        .await;
    let cookie = format!("mm_session={}", set_cookie(&r, "mm_session").unwrap_or_else(|| panic!("{login} signs in: {}", r.text())));
    // Admins (enrolled by `common::enrol_admin`) give their code next.
    assert_eq!(r.headers.get(header::LOCATION).map(|l| l.to_str().unwrap()), Some("/admin/login/code"), "{login} is an enrolled admin");
    t.t.answer_code(&cookie, login).await;
    let page = t.send("GET", "/admin/password", Req { cookie: Some(&cookie), ..Default::default() }).await.text();
    let i = page.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    (cookie, page[i..i + 64].to_owned())
}

/// Adds a gmina and fills it through its own officials and device.
async fn side(w: &mut World, teryt: &'static str, name: &str, mark: &'static str, boundary: Polygon, (lat, lon): (f64, f64)) {
    let added = setup::add(
        w.t.store.as_ref(),
        NewGmina {
            teryt: teryt.into(),
            name: name.into(),
            powiat: "wrocławski".into(),
            voivodeship: "dolnośląskie".into(),
            boundary: Some(boundary),
            admin_login: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    w.t.state.gminas.invalidate();
    let (login, password) = (added.admin_login.clone(), added.admin_password.clone());
    // The new gmina's admin enrols a second factor (behind the pages' back:
    // tests/two_factor.rs goes through them) and signs in with codes.
    common::enrol_admin(&w.t.state, &login).await;
    let code = w.t.one_time_code(&login).await;
    let r = w.send("POST", "/api/v1/auth/login", Req { json: Some(json!({"login": login, "password": password, "one_time_code": code})), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let (cookie, csrf) = back_office(w, &login, &password).await;
    let as_admin = |method: &'static str, uri: &'static str, json: Value| {
        let token = token.clone();
        let w = &*w;
        async move {
            let r = w.send(method, uri, Req { gmina: Some(teryt), token: Some(&token), json: Some(json), ..Default::default() }).await;
            assert!(r.status.is_success(), "{method} {uri} in {teryt}: {} {}", r.status, r.text());
            r.json()
        }
    };
    let low = mark.to_lowercase();
    let event_category = format!("kat-{low}");
    as_admin("POST", "/api/v1/event-categories", json!({"id": event_category, "name_pl": format!("{mark} kategoria"), "name_en": mark})).await;
    let report_category = format!("cat_{low}");
    as_admin(
        "POST",
        "/api/v1/report-categories",
        json!({"id": report_category, "name_pl": format!("{mark} usterka"), "name_en": format!("{mark} fault"), "active": true}),
    )
    .await;
    let news = as_admin("POST", "/api/v1/news", json!({"title": format!("{mark} komunikat"), "body": format!("{mark} treść"), "priority": "normal"}))
        .await["id"]
        .as_i64()
        .unwrap();
    let event = as_admin("POST", "/api/v1/events", event_input(&format!("{mark} festyn"), Some(&event_category))).await["id"].as_i64().unwrap();
    let place = as_admin(
        "POST",
        "/api/v1/places",
        json!({
            "layer": "infrastructure", "category": "toilets", "name": format!("{mark} toaleta"),
            "geometry": {"type": "point", "point": {"lat": lat, "lon": lon}},
        }),
    )
    .await["id"]
    .as_i64()
    .unwrap();
    let r = w.send("POST", "/api/v1/devices", Req { gmina: Some(teryt), json: Some(json!({"platform": "android", "app_version": "1.0.0"})), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let device = r.json()["token"].as_str().unwrap().to_owned();
    let r = w
        .send("POST", "/api/v1/photos", Req { gmina: Some(teryt), token: Some(&device), raw: Some(("image/png", png(mark.len() as u8 + teryt.as_bytes()[5]))), ..Default::default() })
        .await;
    assert!(r.status.is_success(), "photo: {}", r.text());
    let photo = r.json()["photo_id"].as_str().unwrap().to_owned();
    let r = w
        .send(
            "POST",
            "/api/v1/reports",
            Req {
                gmina: Some(teryt),
                token: Some(&device),
                idempotency: Some(uuid::Uuid::new_v4().to_string()),
                json: Some(json!({
                    "category": report_category, "point": {"lat": lat, "lon": lon}, "location_source": "gps",
                    "description": format!("{mark} dziura w drodze"), "address": format!("{mark} ulica 1"),
                    "photo_ids": [photo], "answers": {},
                })),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "report: {}", r.text());
    let report = r.json()["id"].as_i64().unwrap();
    let scoped = w.t.store.for_gmina(&Teryt::parse(teryt).unwrap());
    let r = w
        .send("POST", "/admin/departments", Req { cookie: Some(&cookie), form: Some(format!("csrf={csrf}&name={mark}+wydzia%C5%82")), ..Default::default() })
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "department: {}", r.text());
    let department = scoped.list_departments().await.unwrap().iter().find(|d| d.name.contains(mark)).unwrap().id;
    let admin_id = scoped.find_user(&login).await.unwrap().unwrap().id;
    let job = scoped
        .jobs(JobFilter { state: None, kind: None, limit: 100 })
        .await
        .unwrap()
        .first()
        .map(|j| j.id)
        .expect("the report's registration job");
    let s = Side {
        admin_login: login,
        admin_password: password,
        admin_id,
        token,
        cookie,
        csrf,
        device,
        news,
        event,
        event_category,
        report_category,
        place,
        photo,
        report,
        department,
        job,
        lat,
        lon,
    };
    if teryt == A { w.a = s } else { w.b = s }
}

fn empty_side() -> Side {
    Side {
        admin_login: String::new(),
        admin_password: String::new(),
        admin_id: 0,
        token: String::new(),
        cookie: String::new(),
        csrf: String::new(),
        device: String::new(),
        news: 0,
        event: 0,
        event_category: String::new(),
        report_category: String::new(),
        place: 0,
        photo: String::new(),
        report: 0,
        department: 0,
        job: 0,
        lat: 0.0,
        lon: 0.0,
    }
}

async fn two_gminas() -> World {
    let t = TestApp::new().await;
    t.state.limits.configure(Limits { device_per_hour: 10_000, ip_per_hour: 10_000 });
    let mut w = World { t, a: empty_side(), b: empty_side(), covered: Mutex::default() };
    side(&mut w, A, "Siechnice", A_MARK, square(17.05, 50.97, 17.25, 51.08), (51.03, 17.15)).await;
    side(&mut w, B, "Czernica", B_MARK, square(17.25, 51.00, 17.40, 51.12), (51.06, 17.30)).await;
    w
}

/// Everything of B's a write could change, read from B's store.
async fn snapshot(s: &dyn Store, b: &Side) -> String {
    let mut out = String::new();
    out += &format!("{:?}\n", s.list_news().await.unwrap());
    out += &format!("{:?}\n", s.list_events(None).await.unwrap());
    out += &format!("{:?}\n", s.list_categories().await.unwrap());
    out += &format!("{:?}\n", s.report_categories().await.unwrap());
    out += &format!("{:?}\n", s.list_places(Default::default()).await.unwrap());
    out += &format!("{:?}\n", s.list_departments().await.unwrap());
    out += &format!("{:?}\n", s.list_reports(ReportFilter::default()).await.unwrap());
    out += &format!("{:?}\n", s.report_internal(b.report).await.unwrap());
    out += &format!("{:?}\n", s.report_department(b.report).await.unwrap());
    out += &format!("{:?}\n", s.find_user(&b.admin_login).await.unwrap());
    out += &format!("{:?}\n", s.user_department(b.admin_id).await.unwrap());
    out += &format!("{:?}\n", s.job(b.job).await.unwrap());
    out += &format!("{:?}\n", s.list_audit(100_000).await.unwrap().len());
    out += &format!("{:?}\n", s.log_page(0, 100_000).await.unwrap().0.len());
    out
}

/// Every route the app serves: the OpenAPI document's, and those the
/// Open311 and back-office routers name in their source.
async fn served_routes(w: &World) -> BTreeSet<String> {
    let doc = w.t.get("/api/v1/openapi.json").await.json();
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    for source in [include_str!("../src/open311/routes.rs"), include_str!("../src/admin/mod.rs")] {
        for line in source.lines().filter(|l| l.trim_start().starts_with(".route(\"")) {
            let path = line.split('"').nth(1).unwrap();
            let handlers = &line[line.find(',').unwrap()..];
            for (method, call) in [("GET", "get("), ("POST", "post(")] {
                if handlers.contains(&format!(" {call}")) || handlers.contains(&format!(".{call}")) {
                    routes.insert(format!("{method} {path}"));
                }
            }
        }
    }
    // The accessibility statement's page (its router names it by the constant).
    routes.insert(format!("GET {}", mm_server::accessibility::page::PATH));
    routes
}

/// Consultations (issue 15, server/tests/consultations_api.rs tests them
/// within a gmina): B has an open consultation and a published one, both
/// titled with B's mark; A's device and anyone in A reach neither by id,
/// and B's stay exactly as they were. Made before B's snapshot; their ids.
async fn consultations_of_b(w: &World) -> (i64, i64) {
    use mm_protocol::consultations::{Consultation, ConsultationStatus, Question, QuestionKind, RespondentRule};
    let b = w.b_store();
    let now = chrono::Utc::now();
    let actor = || mm_server::store::Actor("test".into());
    let survey = |opens: chrono::DateTime<chrono::Utc>, closes| Consultation {
        id: 0,
        title: format!("{B_MARK} konsultacja"),
        description: B_MARK.into(),
        opens_at: opens,
        closes_at: closes,
        area: None,
        attachments: vec![],
        questions: vec![Question {
            id: "q1".into(),
            text: format!("{B_MARK}?"),
            help: String::new(),
            required: true,
            kind: QuestionKind::Single { options: vec!["Tak".into(), "Nie".into()] },
        }],
        respondents: RespondentRule::PerDevice,
        verification: Default::default(),
        anonymous: true,
        status: ConsultationStatus::Draft,
    };
    let day = chrono::Duration::days(1);
    let open = b.save_consultation(actor(), survey(now - day, now + day), now).await.unwrap();
    let open = b.set_status(actor(), open.id, ConsultationStatus::Open, now).await.unwrap();
    let done = b.save_consultation(actor(), survey(now - day * 3, now - day), now).await.unwrap();
    b.set_status(actor(), done.id, ConsultationStatus::Open, now).await.unwrap();
    let done = b.set_status(actor(), done.id, ConsultationStatus::Published, now).await.unwrap();
    (open.id, done.id)
}

/// A's checks of B's consultations (`consultations_of_b`).
async fn consultations_keep_gminas_apart(w: &World, (open, done): (i64, i64)) {
    let b = w.b_store();
    let before = format!("{:?} {:?}", b.consultations(true).await.unwrap(), b.responses(open).await.unwrap());

    // Positive control: B's own listing shows B's mark.
    assert!(w.public("/api/v1/consultations", B).await.text().contains(B_MARK));
    w.cover("GET /api/v1/consultations");
    no_b("A's consultations", &w.public("/api/v1/consultations", A).await);
    w.cover("GET /api/v1/consultations/{id}");
    not_found("B's consultation from A", &w.public(&format!("/api/v1/consultations/{}", open), A).await);
    w.cover("POST /api/v1/consultations/{id}/responses");
    let r = w
        .send("POST", &format!("/api/v1/consultations/{}/responses", open), Req {
            gmina: Some(A),
            token: Some(&w.a.device),
            json: Some(json!({"answers": [{"question": "q1", "value": {"type": "single", "option": 0}}]})),
            idempotency: Some("tenancy-consultation".into()),
            ..Default::default()
        })
        .await;
    not_found("answering B's consultation from A", &r);
    // B's device's token is no token in A.
    let r = w
        .send("POST", &format!("/api/v1/consultations/{}/responses", open), Req {
            gmina: Some(A),
            token: Some(&w.b.device),
            json: Some(json!({"answers": [{"question": "q1", "value": {"type": "single", "option": 0}}]})),
            idempotency: Some("tenancy-consultation".into()),
            ..Default::default()
        })
        .await;
    refused("B's device answering in A", &r);
    w.cover("POST /api/v1/consultations/{id}/sms-codes");
    let r = w
        .send("POST", &format!("/api/v1/consultations/{}/sms-codes", open), Req {
            gmina: Some(A),
            token: Some(&w.a.device),
            json: Some(json!({"identity": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"}, "phone": "601234567"})),
            idempotency: Some("tenancy-consultation-sms".into()),
            ..Default::default()
        })
        .await;
    not_found("an SMS code for B's consultation from A", &r);
    w.cover("GET /api/v1/consultations/{id}/summary");
    not_found("B's summary from A", &w.public(&format!("/api/v1/consultations/{}/summary", done), A).await);
    let after = format!("{:?} {:?}", b.consultations(true).await.unwrap(), b.responses(open).await.unwrap());
    assert_eq!(after, before, "B's consultations changed");
    assert!(b.responses(open).await.unwrap().is_empty());
}

/// Notifications (issue 16, server/tests/notifications_api.rs tests them
/// within a gmina): B sends an alert to its devices. A's device's feed
/// never shows it, and B's device's token is no token in A; A's read mark
/// of B's id changes nothing of B's. Made before B's snapshot; its id.
async fn notifications_of_b(w: &World) -> i64 {
    use mm_protocol::notifications::{NotificationClass, Target, Topic};
    use mm_server::notifications::fanout::{FanOutJob, fan_out};
    use mm_server::store::notifications::NewNotification;
    let b = w.b_store();
    let now = chrono::Utc::now();
    let n = NewNotification {
        class: NotificationClass::Alert,
        target: Target { topic: Topic::Alerts, event_category: None, areas: vec![] },
        title: format!("{B_MARK} alert"),
        body: B_MARK.into(),
        link: None,
        report: None,
        send_at: now,
        now,
        fan_out_job: FanOutJob::for_notification,
    };
    let id = b.create_notification(mm_server::store::Actor("test".into()), n).await.unwrap();
    fan_out(b.as_ref(), id, now).await.unwrap();
    id
}

/// A's checks of B's notifications (`notifications_of_b`).
async fn notifications_keep_gminas_apart(w: &World, id: i64) {
    let b = w.b_store();
    let before = format!("{:?}", b.notification(id).await.unwrap());
    let as_b_in = |gmina| Req { gmina: Some(gmina), token: Some(&w.b.device), ..Default::default() };
    // Positive control: B's device reads B's alert in B.
    w.cover("GET /api/v1/notifications/feed");
    assert!(w.send("GET", "/api/v1/notifications/feed", as_b_in(B)).await.text().contains(B_MARK));
    let r = w.send("GET", "/api/v1/notifications/feed", Req { gmina: Some(A), token: Some(&w.a.device), ..Default::default() }).await;
    no_b("A's device's feed", &r);
    refused("B's device's feed in A", &w.send("GET", "/api/v1/notifications/feed", as_b_in(A)).await);
    w.cover("POST /api/v1/notifications/feed/read");
    let read = |token| Req { gmina: Some(A), token: Some(token), json: Some(json!({"ids": [id]})), ..Default::default() };
    let r = w.send("POST", "/api/v1/notifications/feed/read", read(&w.a.device)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "A's read mark of an id not in its feed is ignored: {}", r.text());
    refused("B's device marking in A", &w.send("POST", "/api/v1/notifications/feed/read", read(&w.b.device)).await);
    w.cover("GET /api/v1/notifications/subscription");
    refused("B's device's subscription in A", &w.send("GET", "/api/v1/notifications/subscription", as_b_in(A)).await);
    w.cover("PUT /api/v1/notifications/subscription");
    let sub = json!({"topics": ["alerts"], "lang": "pl"});
    let r = w
        .send("PUT", "/api/v1/notifications/subscription", Req { json: Some(sub), ..as_b_in(A) })
        .await;
    refused("B's device subscribing in A", &r);
    w.cover("PUT /api/v1/push/registration");
    let reg = json!({"transport": "fcm", "token": "tenancy-token"});
    refused("B's device registering in A", &w.send("PUT", "/api/v1/push/registration", Req { json: Some(reg), ..as_b_in(A) }).await);
    w.cover("DELETE /api/v1/push/registration");
    refused("B's device unregistering in A", &w.send("DELETE", "/api/v1/push/registration", as_b_in(A)).await);
    // The back office (server/src/admin/notifications.rs): A's admin
    // neither sees nor cancels B's notification, and A's form offers none
    // of B's localities or items to link.
    w.cover("GET /admin/notifications");
    no_b("A's notifications page", &w.a_page("/admin/notifications").await);
    w.cover("GET /admin/notifications/new");
    no_b("A's compose form", &w.a_page("/admin/notifications/new").await);
    w.cover("POST /admin/notifications");
    no_b("A's preview", &w.a_post("/admin/notifications", "key=tenancy&title=x&class=normal&topic=news&action=preview").await);
    w.cover("GET /admin/notifications/{id}");
    not_found("B's notification's page", &w.a_page(&format!("/admin/notifications/{id}")).await);
    w.cover("POST /admin/notifications/{id}/cancel");
    not_found("cancelling B's notification", &w.a_post(&format!("/admin/notifications/{id}/cancel"), "").await);
    // Officials: A's list shows none of B's; B's admin's token is no token
    // in A; what A's admin sends reaches only A's devices (B's feed as it was).
    w.cover("GET /api/v1/notifications");
    assert!(w.send("GET", "/api/v1/notifications", Req { gmina: Some(B), token: Some(&w.b.token), ..Default::default() }).await.text().contains(B_MARK));
    no_b("A's notifications", &w.a_official("GET", "/api/v1/notifications", None).await);
    w.cover("POST /api/v1/notifications");
    let draft = json!({"title": "Komunikat gminy A", "topic": "alerts"});
    let r = w.send("POST", "/api/v1/notifications", Req { gmina: Some(A), token: Some(&w.b.token), json: Some(draft.clone()), ..Default::default() }).await;
    refused("B's official sending in A", &r);
    let b_feed = w.send("GET", "/api/v1/notifications/feed", as_b_in(B)).await.text();
    let r = w.a_official("POST", "/api/v1/notifications", Some(draft)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sent = r.json()["id"].as_i64().unwrap();
    let a_store = w.t.store.for_gmina(&mm_protocol::gmina::Teryt::parse(A).unwrap());
    mm_server::notifications::fanout::fan_out(a_store.as_ref(), sent, chrono::Utc::now()).await.unwrap();
    assert_eq!(w.send("GET", "/api/v1/notifications/feed", as_b_in(B)).await.text(), b_feed, "A's alert reached B's device");
    assert!(b.notification(sent).await.unwrap().is_none());
    assert_eq!(format!("{:?}", b.notification(id).await.unwrap()), before, "B's notification changed");
    assert_eq!(b.notification(id).await.unwrap().unwrap().counts.read, 0);
}

/// A's checks of B's consultations in the back office and on the public
/// page (server/src/admin/consultations.rs): A's admin neither sees, edits,
/// moves, exports nor moderates B's; A's public page does not show B's
/// published summary.
async fn admin_consultations_keep_gminas_apart(w: &World, (open, done): (i64, i64)) {
    let b = w.b_store();
    let before = format!("{:?}", b.consultations(true).await.unwrap());
    // Positive control: B's public page shows B's published consultation.
    assert!(w.public(&format!("/consultations/{done}"), B).await.text().contains(B_MARK));
    w.cover("GET /consultations/{id}");
    not_found("B's public summary from A", &w.public(&format!("/consultations/{done}"), A).await);
    w.cover("GET /admin/consultations");
    no_b("A's consultations list", &w.a_page("/admin/consultations").await);
    w.cover("POST /admin/consultations");
    w.cover("GET /admin/consultations/new");
    no_b("A's new consultation form", &w.a_page("/admin/consultations/new").await);
    for id in [open, done] {
        w.cover("GET /admin/consultations/{id}");
        not_found("B's consultation form", &w.a_page(&format!("/admin/consultations/{id}")).await);
        w.cover("POST /admin/consultations/{id}");
        not_found("saving B's consultation", &w.a_post(&format!("/admin/consultations/{id}"), "title=x").await);
        w.cover("POST /admin/consultations/{id}/status");
        not_found("moving B's consultation", &w.a_post(&format!("/admin/consultations/{id}/status"), "to=closed").await);
        w.cover("GET /admin/consultations/{id}/results");
        not_found("B's results", &w.a_page(&format!("/admin/consultations/{id}/results")).await);
        w.cover("GET /admin/consultations/{id}/results.csv");
        not_found("B's CSV", &w.a_page(&format!("/admin/consultations/{id}/results.csv")).await);
        w.cover("GET /admin/consultations/{id}/moderation");
        not_found("B's moderation queue", &w.a_page(&format!("/admin/consultations/{id}/moderation")).await);
        w.cover("POST /admin/consultations/{id}/moderation/{text}");
        let text = uuid::Uuid::new_v4();
        not_found("moderating B's text", &w.a_post(&format!("/admin/consultations/{id}/moderation/{text}"), "decision=approve").await);
    }
    assert_eq!(format!("{:?}", b.consultations(true).await.unwrap()), before, "B's consultations changed");
}

/// The participatory budget (issue 15, server/tests/budget_api.rs tests it
/// within a gmina): B has an edition in its voting phase, titled with B's
/// mark, with a pool and a project on the ballot (proposed from B's
/// device, so an appeal from A's is refused too). Made before B's
/// snapshot; the edition's and the project's ids.
async fn budget_of_b(w: &World) -> (i64, i64) {
    use mm_protocol::budget::count::CountingRule;
    use mm_protocol::budget::model::{EditionSettings, PhaseDates, Pool, PoolKind};
    use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
    let b = w.b_store();
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    let actor = || mm_server::store::Actor("test".into());
    let dates = PhaseDates {
        submission_from: now - day * 10,
        submission_to: now - day * 8,
        verification_to: now - day * 6,
        appeal_to: now - day * 4,
        voting_from: now - day * 2,
        voting_to: now + day * 2,
    };
    let edition = NewEdition { year: 2026, title: format!("{B_MARK} BO"), dates, settings: EditionSettings::default() };
    let e = b.create_edition(actor(), edition, now - day * 20).await.unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: format!("{B_MARK} pula"),
        amount_grosze: 10_000_000,
        localities: vec![],
        residents: 5000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 1 },
    };
    let pool = b.upsert_pool(actor(), e.id, pool, now - day * 20).await.unwrap();
    let project = NewProject {
        edition: e.id,
        pool: pool.id,
        title: format!("{B_MARK} ławki"),
        description: B_MARK.into(),
        cost_grosze: 100_000,
        category: None,
        location: None,
        photos: vec![],
        contact: None,
    };
    let Submitted::New(p) = b.submit_project("b-device", project, None, now - day * 9).await.unwrap() else { panic!() };
    let on_ballot = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
    b.verify_project(actor(), p.id, on_ballot, now - day * 7).await.unwrap();
    (e.id, p.id)
}

/// A's checks of B's budget (`budget_of_b`): nothing of it is seen from A,
/// nothing of it moves, and its rows stay as they were.
async fn budget_keeps_gminas_apart(w: &World, (edition, project): (i64, i64)) {
    let b = w.b_store();
    let now = chrono::Utc::now();
    let state = |b: Arc<dyn Store>| async move {
        let pool = b.edition(edition, now).await.unwrap().unwrap().pools[0].id;
        format!(
            "{:?} {:?} {:?} {:?}",
            b.editions(now).await.unwrap(),
            b.project(project).await.unwrap(),
            b.tallies(edition, pool).await.unwrap(),
            b.count_input(edition, pool).await.unwrap(),
        )
    };
    let before = state(b.clone()).await;
    assert!(w.public("/api/v1/budget/editions", B).await.text().contains(B_MARK), "B sees its own edition");
    w.cover("GET /api/v1/budget/editions");
    no_b("A's editions", &w.public("/api/v1/budget/editions", A).await);
    w.cover("GET /api/v1/budget/editions/{id}");
    not_found("B's edition from A", &w.public(&format!("/api/v1/budget/editions/{edition}"), A).await);
    w.cover("GET /api/v1/budget/editions/{id}/projects");
    not_found("B's projects from A", &w.public(&format!("/api/v1/budget/editions/{edition}/projects"), A).await);
    w.cover("GET /api/v1/budget/projects/{id}");
    not_found("B's project from A", &w.public(&format!("/api/v1/budget/projects/{project}"), A).await);
    let identity = json!({"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359",
        "address": {"locality": 1, "street": "Polna", "house": "1"}});
    let pools = json!([{"pool": 1, "projects": [{"project": project}]}]);
    let device_write = |method: &'static str, uri: String, body: Value| {
        let w = &*w;
        async move {
            w.send(method, &uri, Req {
                gmina: Some(A),
                token: Some(&w.a.device),
                json: Some(body),
                idempotency: Some(uuid::Uuid::new_v4().to_string()),
                ..Default::default()
            })
            .await
        }
    };
    w.cover("POST /api/v1/budget/editions/{id}/projects");
    let r = device_write("POST", format!("/api/v1/budget/editions/{edition}/projects"), json!({
        "pool": 1, "title": "x", "description": "x", "cost_grosze": 10000, "contact": {"name": "Jan"}})).await;
    not_found("a project into B's edition from A", &r);
    w.cover("POST /api/v1/budget/projects/{id}/signatures");
    let r = device_write("POST", format!("/api/v1/budget/projects/{project}/signatures"), json!({"identity": identity})).await;
    not_found("signing B's project from A", &r);
    w.cover("POST /api/v1/budget/projects/{id}/appeal");
    let r = device_write("POST", format!("/api/v1/budget/projects/{project}/appeal"), json!({"text": "Proszę"})).await;
    not_found("appealing B's project from A", &r);
    w.cover("POST /api/v1/budget/editions/{id}/sms-codes");
    let r = device_write("POST", format!("/api/v1/budget/editions/{edition}/sms-codes"), json!({"identity": identity, "phone": "600100200"})).await;
    not_found("an SMS code for B's edition from A", &r);
    w.cover("POST /api/v1/budget/editions/{id}/ballots");
    let r = device_write("POST", format!("/api/v1/budget/editions/{edition}/ballots"), json!({
        "identity": identity, "residence_declared": true, "pools": pools})).await;
    not_found("a ballot in B's edition from A", &r);
    // B's own device token, sent to A: not a device of A.
    let r = w.send("POST", &format!("/api/v1/budget/editions/{edition}/ballots"), Req {
        gmina: Some(A), token: Some(&w.b.device), idempotency: Some("tenancy-ballot".into()),
        json: Some(json!({"identity": identity, "residence_declared": true, "pools": pools})), ..Default::default()
    }).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "B's device in A: {}", r.text());
    w.cover("GET /api/v1/budget/editions/{id}/ballot");
    not_found("a ballot of B's edition from A", &w.a_device("GET", &format!("/api/v1/budget/editions/{edition}/ballot"), None).await);
    w.cover("PUT /api/v1/budget/editions/{id}/ballot");
    let r = device_write("PUT", format!("/api/v1/budget/editions/{edition}/ballot"), json!({"identity": identity, "pools": pools})).await;
    not_found("changing a ballot of B's edition from A", &r);
    // The back office's forms (admin/budget/): A's admin neither sees nor changes B's edition, pools, projects, ballots.
    w.cover("GET /admin/budget/editions/new");
    no_b("A's new edition form", &w.a_page("/admin/budget/editions/new").await);
    w.cover("POST /admin/budget/editions");
    let pool = b.edition(edition, now).await.unwrap().unwrap().pools[0].id;
    for (route, page, post, form) in [
        ("/admin/budget/editions/{id}/settings", true, true, "title=x".to_owned()),
        ("/admin/budget/editions/{id}/pools/new", true, false, String::new()),
        ("/admin/budget/editions/{id}/pools", false, true, "name=x&kind=gmina_wide&amount=1000".to_owned()),
        ("/admin/budget/editions/{id}/pools/{pool}", true, true, "name=x&kind=gmina_wide&amount=1000".to_owned()),
        ("/admin/budget/editions/{id}/projects", true, false, String::new()),
        ("/admin/budget/editions/{id}/paper", true, true, format!("first_name=Jan&last_name=Nowak&pesel=44051401359&pool.{pool}={project}")),
        ("/admin/budget/projects/{id}", true, false, String::new()),
        ("/admin/budget/projects/{id}/verify", false, true, "decision=reject&reason=x".to_owned()),
        ("/admin/budget/projects/{id}/appeal", false, true, "decision=uphold".to_owned()),
    ] {
        let id = if route.starts_with("/admin/budget/projects/") { project } else { edition };
        let uri = route.replace("{id}", &id.to_string()).replace("{pool}", &pool.to_string());
        if page {
            w.cover(&format!("GET {route}"));
            not_found(&format!("B's {route} from A"), &w.a_page(&uri).await);
        }
        if post {
            w.cover(&format!("POST {route}"));
            not_found(&format!("posting B's {route} from A"), &w.a_post(&uri, &form).await);
        }
    }
    assert_eq!(state(b).await, before, "B's budget changed");
}

/// The budget's published results (issue 15 WP4,
/// server/tests/budget_results.rs tests them within a gmina): B has an
/// edition whose voting is over, its pool's lot drawn, counted and
/// published, with a project titled with B's mark. Made before B's
/// snapshot; the edition's id.
async fn budget_results_of_b(w: &World) -> i64 {
    use mm_protocol::budget::count::CountingRule;
    use mm_protocol::budget::model::{EditionSettings, PhaseDates, Pool, PoolKind};
    use mm_server::store::budget::{Decision, NewEdition, NewProject, Submitted, Verification};
    let b = w.b_store();
    let now = chrono::Utc::now();
    let day = chrono::Duration::days(1);
    let actor = || mm_server::store::Actor("test".into());
    let dates = PhaseDates {
        submission_from: now - day * 50,
        submission_to: now - day * 40,
        verification_to: now - day * 30,
        appeal_to: now - day * 20,
        voting_from: now - day * 10,
        voting_to: now - day,
    };
    let edition = NewEdition { year: 2025, title: format!("{B_MARK} wyniki"), dates, settings: EditionSettings::default() };
    let e = b.create_edition(actor(), edition, now - day * 60).await.unwrap();
    let pool = Pool {
        id: 0,
        kind: PoolKind::GminaWide,
        name: format!("{B_MARK} pula wyników"),
        amount_grosze: 10_000_000,
        localities: vec![],
        residents: 5000,
        signatures_required: 0,
        counting: CountingRule::Greedy { min_votes: 0 },
    };
    let pool = b.upsert_pool(actor(), e.id, pool, now - day * 60).await.unwrap();
    let project = NewProject {
        edition: e.id,
        pool: pool.id,
        title: format!("{B_MARK} wybrany"),
        description: B_MARK.into(),
        cost_grosze: 100_000,
        category: Some(B_MARK.into()),
        location: None,
        photos: vec![],
        contact: None,
    };
    let Submitted::New(p) = b.submit_project("b-device", project, None, now - day * 45).await.unwrap() else { panic!() };
    let on_ballot = Verification { legal: true, feasible: true, estimate_grosze: None, department: None, decision: Decision::OnBallot };
    b.verify_project(actor(), p.id, on_ballot, now - day * 35).await.unwrap();
    b.draw_lot(actor(), e.id, pool.id, vec![p.id], now - day * 15).await.unwrap();
    mm_server::budget::count::count_pool(b.clone(), actor(), e.id, pool.id, now).await.unwrap();
    b.publish_results(actor(), e.id, now).await.unwrap();
    e.id
}

/// A's checks of B's published results (`budget_results_of_b`).
async fn budget_results_keep_gminas_apart(w: &World, edition: i64) {
    let b = w.b_store();
    let pool = b.edition(edition, chrono::Utc::now()).await.unwrap().unwrap().pools[0].id;
    let before = format!("{:?}", b.latest_count(edition, pool).await.unwrap());
    // Positive control: B's own CSV names B's project.
    assert!(w.public(&format!("/api/v1/budget/editions/{edition}/results.csv"), B).await.text().contains(B_MARK));
    for path in ["results", "results.json", "results.csv"] {
        w.cover(&format!("GET /api/v1/budget/editions/{{id}}/{path}"));
        not_found(&format!("B's {path} from A"), &w.public(&format!("/api/v1/budget/editions/{edition}/{path}"), A).await);
    }
    // The public results page (budget/page.rs): B's names B's project, A's is a 404.
    assert!(w.public(&format!("/budget/editions/{edition}"), B).await.text().contains(B_MARK));
    w.cover("GET /budget/editions/{id}");
    not_found("B's results page from A", &w.public(&format!("/budget/editions/{edition}"), A).await);
    // The back office (admin/budget.rs): A's admin neither sees nor moves B's edition.
    w.cover("GET /admin/budget");
    no_b("A's budget editions", &w.a_page("/admin/budget").await);
    w.cover("GET /admin/budget/editions/{id}");
    not_found("B's edition page", &w.a_page(&format!("/admin/budget/editions/{edition}")).await);
    for route in ["lot", "count"] {
        w.cover(&format!("POST /admin/budget/editions/{{id}}/pools/{{pool}}/{route}"));
        not_found(&format!("{route} of B's pool"), &w.a_post(&format!("/admin/budget/editions/{edition}/pools/{pool}/{route}"), "").await);
    }
    w.cover("POST /admin/budget/editions/{id}/publish");
    not_found("publishing B's edition", &w.a_post(&format!("/admin/budget/editions/{edition}/publish"), "").await);
    assert_eq!(format!("{:?}", b.latest_count(edition, pool).await.unwrap()), before, "B's count changed");
}

/// A's checks of B's Pabulib file (`budget_results_of_b`): B's own names
/// B's project, A's answers 404 for B's edition and pool.
async fn budget_pb_keeps_gminas_apart(w: &World, edition: i64) {
    let pool = w.b_store().edition(edition, chrono::Utc::now()).await.unwrap().unwrap().pools[0].id;
    let path = format!("/api/v1/budget/editions/{edition}/pools/{pool}/results.pb");
    assert!(w.public(&path, B).await.text().contains(B_MARK), "B's own .pb names B's project");
    w.cover("GET /api/v1/budget/editions/{id}/pools/{pool}/results.pb");
    not_found("B's .pb from A", &w.public(&path, A).await);
}

/// The waste schedule of B (issue 16, server/tests/waste_api.rs tests it
/// whole): its zone, street and dictionary carry the mark.
async fn waste_of_b(w: &World) {
    use mm_server::waste::import::{ImportFiles, import};
    let now = w.t.state.clock.now();
    let day = mm_server::store::waste::local_today(now).succ_opt().unwrap();
    let b_files = ImportFiles {
        zones: Some(format!("zone;name\nZB;{B_MARK} rejon\n").into_bytes()),
        rules: Some(format!("locality;street;zone\nBetowo;{B_MARK} ulica;ZB\n").into_bytes()),
        pickups: Some(format!("zone;date;fraction\nZB;{day};papier\n").into_bytes()),
        dictionary: Some(format!("item;fraction\n{B_MARK} karton;papier\n").into_bytes()),
        pszok: None,
    };
    import(w.b_store().as_ref(), mm_server::store::Actor("test".into()), b_files, now).await.unwrap();
}

/// A's waste routes never answer with B's schedule, and A's admin's
/// import never lands in B.
async fn waste_keeps_gminas_apart(w: &World) {
    let b_schedule = format!("locality=Betowo&street={B_MARK}%20ulica&number=1");
    let snapshot = || async {
        let b = w.b_store();
        (b.waste_zones().await.unwrap(), b.waste_rules(None).await.unwrap(), b.waste_dictionary().await.unwrap(), b.waste_updated_at().await.unwrap())
    };
    let before = snapshot().await;

    w.cover("GET /api/v1/waste/streets");
    assert!(w.public("/api/v1/waste/streets?locality=Betowo", B).await.text().contains(B_MARK));
    no_b("A's streets", &w.public("/api/v1/waste/streets?locality=Betowo", A).await);
    w.cover("GET /api/v1/waste/schedule");
    assert!(w.public(&format!("/api/v1/waste/schedule?{b_schedule}"), B).await.text().contains(B_MARK));
    not_found("B's address asked of A", &w.public(&format!("/api/v1/waste/schedule?{b_schedule}"), A).await);
    w.cover("GET /api/v1/waste/schedule.ics");
    assert!(w.public(&format!("/api/v1/waste/schedule.ics?{b_schedule}"), B).await.status.is_success());
    not_found("B's ICS asked of A", &w.public(&format!("/api/v1/waste/schedule.ics?{b_schedule}"), A).await);
    w.cover("GET /api/v1/waste/dictionary");
    assert!(w.public("/api/v1/waste/dictionary", B).await.text().contains(B_MARK));
    no_b("A's dictionary", &w.public("/api/v1/waste/dictionary", A).await);

    w.cover("GET /admin/waste");
    no_b("A's waste page", &w.a_page("/admin/waste").await);
    w.cover("POST /admin/waste/import");
    let boundary = "tenancyWaste";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"dictionary\"; filename=\"dictionary.csv\"\r\n\r\nitem;fraction\nalfa;papier\n\r\n--{boundary}--\r\n",
        w.a.csrf
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    // A's admin naming B: refused; in A's own gmina: A's dictionary only.
    let r = w.send("POST", "/admin/waste/import", Req { gmina: Some(B), cookie: Some(&w.a.cookie), raw: Some((&ct, body.clone().into_bytes())), ..Default::default() }).await;
    refused("A's admin importing into B", &r);
    let r = w.send("POST", "/admin/waste/import", Req { cookie: Some(&w.a.cookie), raw: Some((&ct, body.into_bytes())), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::OK, "A's own import: {}", r.text());
    assert!(w.public("/api/v1/waste/dictionary", A).await.text().contains("alfa"));
    assert_eq!(snapshot().await, before, "B's schedule changed");
}

/// B's accessibility statement, marked.
async fn statement_of_b(w: &World) {
    let store = w.b_store();
    let mut record = store.gmina_record(&Teryt::parse(B).unwrap()).await.unwrap().unwrap();
    record.settings.accessibility =
        Some(mm_server::accessibility::AccessibilityStatement { entity: format!("Gmina {B_MARK}"), ..mm_server::accessibility::demo::siechnice() });
    store.update_gmina(mm_server::store::Actor("test".into()), record, chrono::Utc::now()).await.unwrap();
}

#[tokio::test]
async fn every_route_keeps_gminas_apart() {
    let w = two_gminas().await;
    let (a, b) = (&w.a, &w.b);
    let (b_code, b_payment) = taxes_of_b(&w).await;
    let consultations = consultations_of_b(&w).await;
    let notifications = notifications_of_b(&w).await;
    waste_of_b(&w).await;
    let budget = budget_of_b(&w).await;
    let budget_results = budget_results_of_b(&w).await;
    statement_of_b(&w).await;
    let before = snapshot(w.b_store().as_ref(), b).await;

    // Positive controls: B's own requests do see B's data (the marks are
    // where the checks look for them).
    let r = w.public("/api/v1/news", B).await;
    assert!(r.text().contains(B_MARK) && !r.text().contains(A_MARK), "{}", r.text());
    let r = w.send("GET", "/admin/reports", Req { cookie: Some(&b.cookie), ..Default::default() }).await;
    assert!(r.text().contains(B_MARK) && !r.text().contains(A_MARK));

    // ---- the API ----
    w.cover("POST /api/v1/auth/login");
    // A login is the deployment's (logins are unique); the session it
    // opens is its official's gmina's: B's token in A finds nothing.
    let r = w.send("GET", "/api/v1/news?all=true", Req { gmina: Some(A), token: Some(&b.token), ..Default::default() }).await;
    not_found("B's official asking A", &r);

    w.cover("POST /api/v1/auth/logout");
    let r = w.send("POST", "/api/v1/auth/logout", Req { gmina: Some(B), token: Some(&a.token), ..Default::default() }).await;
    not_found("A's official logging out in B", &r);
    assert_eq!(w.a_official("GET", "/api/v1/audit", None).await.status, StatusCode::OK, "A's token lives on");

    w.cover("POST /api/v1/devices");
    let r = w.send("POST", "/api/v1/devices", Req { gmina: Some(A), json: Some(json!({"platform": "ios", "app_version": "1.0.0"})), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let new_device = r.json()["token"].as_str().unwrap().to_owned();
    let r = w.send("GET", "/api/v1/reports/mine", Req { gmina: Some(B), token: Some(&new_device), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a device of A in B: {}", r.text());
    let r = w.send("GET", "/api/v1/reports/mine", Req { gmina: Some(B), token: Some(&a.device), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a device of A in B: {}", r.text());

    for (kind, id) in [("news", b.news), ("events", b.event)] {
        w.cover(&format!("GET /api/v1/{kind}"));
        no_b(kind, &w.public(&format!("/api/v1/{kind}"), A).await);
        if kind == "news" {
            no_b("news?all", &w.a_official("GET", "/api/v1/news?all=true", None).await);
            let r = w.send("GET", "/api/v1/news?all=true", Req { gmina: Some(B), token: Some(&a.token), ..Default::default() }).await;
            not_found("A's official listing B's news", &r);
        }
        w.cover(&format!("POST /api/v1/{kind}"));
        let body = if kind == "news" {
            json!({"title": "intruz", "body": "x", "priority": "normal"})
        } else {
            event_input("intruz", None)
        };
        let r = w.send("POST", &format!("/api/v1/{kind}"), Req { gmina: Some(B), token: Some(&a.token), json: Some(body.clone()), ..Default::default() }).await;
        not_found(&format!("A's official creating {kind} in B"), &r);
        w.cover(&format!("GET /api/v1/{kind}/{{id}}"));
        not_found(&format!("B's {kind} from A"), &w.public(&format!("/api/v1/{kind}/{id}"), A).await);
        not_found(&format!("B's {kind} to A's official"), &w.a_official("GET", &format!("/api/v1/{kind}/{id}"), None).await);
        w.cover(&format!("PUT /api/v1/{kind}/{{id}}"));
        not_found(&format!("A updating B's {kind}"), &w.a_official("PUT", &format!("/api/v1/{kind}/{id}"), Some(body)).await);
        w.cover(&format!("DELETE /api/v1/{kind}/{{id}}"));
        not_found(&format!("A deleting B's {kind}"), &w.a_official("DELETE", &format!("/api/v1/{kind}/{id}"), None).await);
    }
    w.cover("GET /api/v1/events/{id}.ics");
    not_found("B's event as ICS from A", &w.public(&format!("/api/v1/events/{}.ics", b.event), A).await);
    w.cover("GET /api/v1/event-categories");
    no_b("event categories", &w.public("/api/v1/event-categories", A).await);
    w.cover("POST /api/v1/event-categories");
    let r = w.send("POST", "/api/v1/event-categories", Req { gmina: Some(B), token: Some(&a.token), json: Some(json!({"id": "x", "name_pl": "x", "name_en": "x"})), ..Default::default() }).await;
    not_found("A creating an event category in B", &r);
    w.cover("GET /api/v1/calendar.ics");
    no_b("the calendar feed", &w.send("GET", &format!("/api/v1/calendar.ics?gmina={A}"), Req::default()).await);
    assert!(w.send("GET", &format!("/api/v1/calendar.ics?gmina={B}"), Req::default()).await.text().contains(B_MARK));
    w.cover("GET /api/v1/gmina");
    let r = w.public("/api/v1/gmina", A).await;
    assert!(!r.text().contains("Czernica"), "{}", r.text());
    w.cover("GET /api/v1/sync");
    no_b("the sync feed", &w.public("/api/v1/sync?cursor=0&limit=500", A).await);
    assert!(w.public("/api/v1/sync?cursor=0&limit=500", B).await.text().contains(B_MARK));
    w.cover("GET /api/v1/audit");
    no_b("the audit log", &w.a_official("GET", "/api/v1/audit", None).await);
    w.cover("GET /api/v1/openapi.json"); // the document: no gmina's data
    w.cover("GET /api/v1/gminas"); // the directory: every gmina, by design (directory_* tests)

    w.cover("GET /api/v1/reports");
    no_b("reports", &w.public("/api/v1/reports", A).await);
    w.cover("POST /api/v1/reports");
    let r = w
        .send(
            "POST",
            "/api/v1/reports",
            Req {
                gmina: Some(B),
                token: Some(&a.device),
                idempotency: Some(uuid::Uuid::new_v4().to_string()),
                json: Some(json!({"category": b.report_category, "point": {"lat": b.lat, "lon": b.lon}, "description": "intruz", "answers": {}})),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "A's device reporting in B: {}", r.text());
    let r = w
        .send(
            "POST",
            "/api/v1/reports",
            Req {
                gmina: Some(A),
                token: Some(&a.device),
                idempotency: Some(uuid::Uuid::new_v4().to_string()),
                json: Some(json!({"category": b.report_category, "point": {"lat": a.lat, "lon": a.lon}, "description": "intruz", "answers": {}})),
                ..Default::default()
            },
        )
        .await;
    refused("a report in A in B's category", &r);
    w.cover("GET /api/v1/reports/near");
    no_b("reports near B's report", &w.public(&format!("/api/v1/reports/near?lat={}&lon={}&radius_m=5000", b.lat, b.lon), A).await);
    w.cover("GET /api/v1/reports/mine");
    no_b("my reports", &w.a_device("GET", "/api/v1/reports/mine", None).await);
    w.cover("GET /api/v1/reports/{id}");
    not_found("B's report from A", &w.public(&format!("/api/v1/reports/{}", b.report), A).await);
    w.cover("POST /api/v1/reports/{id}/follow");
    not_found("A's device following B's report", &w.a_device("POST", &format!("/api/v1/reports/{}/follow", b.report), None).await);
    w.cover("DELETE /api/v1/reports/{id}/follow");
    not_found("A's device unfollowing B's report", &w.a_device("DELETE", &format!("/api/v1/reports/{}/follow", b.report), None).await);
    w.cover("POST /api/v1/reports/{id}/status");
    not_found(
        "A's official moving B's report",
        &w.a_official("POST", &format!("/api/v1/reports/{}/status", b.report), Some(json!({"status": "accepted"}))).await,
    );
    w.cover("POST /api/v1/reports/{id}/visibility");
    not_found(
        "A's official hiding B's report",
        &w.a_official("POST", &format!("/api/v1/reports/{}/visibility", b.report), Some(json!({"visibility": "hidden", "reason": "test"}))).await,
    );
    w.cover("GET /api/v1/reports/{id}/internal");
    not_found("B's report's internals to A", &w.a_official("GET", &format!("/api/v1/reports/{}/internal", b.report), None).await);
    w.cover("GET /api/v1/report-categories");
    no_b("report categories", &w.public("/api/v1/report-categories", A).await);
    w.cover("POST /api/v1/report-categories");
    let r = w.send("POST", "/api/v1/report-categories", Req { gmina: Some(B), token: Some(&a.token), json: Some(json!({"id": "x_y", "name_pl": "x", "name_en": "x", "active": true})), ..Default::default() }).await;
    not_found("A creating a report category in B", &r);
    w.cover("PUT /api/v1/report-categories/{id}");
    let r = w
        .a_official(
            "PUT",
            &format!("/api/v1/report-categories/{}", b.report_category),
            Some(json!({"id": b.report_category, "name_pl": "przejęta", "name_en": "taken", "active": false})),
        )
        .await;
    refused("A renaming B's report category", &r);
    w.cover("POST /api/v1/photos");
    let r = w.send("POST", "/api/v1/photos", Req { gmina: Some(B), token: Some(&a.device), raw: Some(("image/png", png(99))), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "A's device uploading in B: {}", r.text());
    w.cover("GET /api/v1/photos/{id}");
    not_found("B's photo from A", &w.public(&format!("/api/v1/photos/{}", b.photo), A).await);

    w.cover("GET /api/v1/places");
    no_b("places", &w.public("/api/v1/places", A).await);
    w.cover("POST /api/v1/places");
    let place = json!({"layer": "infrastructure", "category": "toilets", "name": "intruz", "geometry": {"type": "point", "point": {"lat": b.lat, "lon": b.lon}}});
    let r = w.send("POST", "/api/v1/places", Req { gmina: Some(B), token: Some(&a.token), json: Some(place.clone()), ..Default::default() }).await;
    not_found("A creating a place in B", &r);
    w.cover("GET /api/v1/places/{id}");
    not_found("B's place from A", &w.public(&format!("/api/v1/places/{}", b.place), A).await);
    w.cover("PUT /api/v1/places/{id}");
    not_found("A updating B's place", &w.a_official("PUT", &format!("/api/v1/places/{}", b.place), Some(place)).await);
    w.cover("DELETE /api/v1/places/{id}");
    not_found("A deleting B's place", &w.a_official("DELETE", &format!("/api/v1/places/{}", b.place), None).await);
    w.cover("POST /api/v1/places/import");
    let r = w
        .send("POST", "/api/v1/places/import", Req { gmina: Some(B), token: Some(&a.token), raw: Some(("application/xml", b"<osm/>".to_vec())), ..Default::default() })
        .await;
    not_found("A importing places into B", &r);
    w.cover("GET /api/v1/map/places.geojson");
    no_b("the map", &w.public("/api/v1/map/places.geojson", A).await);

    // ---- Open311 (jurisdiction_id is the TERYT code) ----
    w.cover("GET /open311/{file}");
    let d = w.send("GET", "/open311/discovery.json", Req::default()).await.json();
    let listed: Vec<&str> = d["endpoints"].as_array().unwrap().iter().map(|e| e["jurisdiction_id"].as_str().unwrap()).collect();
    assert_eq!(listed, [A, B]);
    w.cover("GET /open311/v2/{file}");
    for q in ["services.json", "services.xml", "requests.json", "requests.xml"] {
        no_b(q, &w.send("GET", &format!("/open311/v2/{q}?jurisdiction_id={A}"), Req::default()).await);
    }
    no_b("requests by id", &w.send("GET", &format!("/open311/v2/requests.json?jurisdiction_id={A}&service_request_id={}", b.report), Req::default()).await);
    let b_requests = w.send("GET", &format!("/open311/v2/requests.json?jurisdiction_id={B}"), Req::default()).await;
    assert!(b_requests.text().contains(B_MARK));
    // A photo's media_url names its gmina, so whoever follows it gets it.
    let media = b_requests.json()[0]["media_url"].as_str().unwrap().to_owned();
    let path = &media[media.find("/api/v1/photos/").unwrap()..];
    assert!(path.ends_with(&format!("?gmina={B}")), "{media}");
    assert_eq!(w.send("GET", path, Req::default()).await.status, StatusCode::OK, "{media}");
    let r = w.send("GET", "/open311/v2/services.json?jurisdiction_id=1465011", Req::default()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert!(r.json()[0]["description"].as_str().is_some(), "Open311's error form: {}", r.text());
    let r = w.send("GET", "/open311/v2/services.xml", Req::default()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "two gminas, none named: {}", r.text());
    assert!(r.text().contains("<errors>"), "Open311's error form: {}", r.text());
    w.cover("POST /open311/v2/{file}");
    let form = format!(
        "jurisdiction_id={B}&api_key={}&service_code={}&lat={}&long={}&description=intruz",
        enc(&a.device),
        b.report_category,
        b.lat,
        b.lon
    );
    let r = w.send("POST", "/open311/v2/requests.json", Req { form: Some(form), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "A's key in B's jurisdiction: {}", r.text());
    w.cover("GET /open311/v2/services/{file}");
    not_found("B's service", &w.send("GET", &format!("/open311/v2/services/{}.json?jurisdiction_id={A}", b.report_category), Req::default()).await);
    w.cover("GET /open311/v2/requests/{file}");
    not_found("B's request", &w.send("GET", &format!("/open311/v2/requests/{}.json?jurisdiction_id={A}", b.report), Req::default()).await);
    w.cover("GET /open311/v2/tokens/{file}");
    not_found("B's token", &w.send("GET", &format!("/open311/v2/tokens/{}.json?jurisdiction_id={A}", b.report), Req::default()).await);

    // ---- the back office (the session's gmina) ----
    for r in ["GET /admin", "GET /admin/", "GET /admin/lang", "GET /admin/assets/{*path}", "GET /admin/login", "POST /admin/login", "GET /admin/password", "POST /admin/password", "POST /admin/logout", "GET /admin/ezd"] {
        // Sign-in and the official's own account and language, static
        // files, redirects: no gmina's rows. Sign-in is checked above (a
        // session is its official's gmina's) and below (B signs in still).
        w.cover(r);
    }
    let r = w.send("GET", &format!("/admin/reports?gmina={B}"), Req { cookie: Some(&a.cookie), ..Default::default() }).await;
    not_found("A's session naming B", &r);
    for page in ["/admin/reports", "/admin/reports.csv", "/admin/map", "/admin/events", "/admin/events/new", "/admin/news", "/admin/news/new", "/admin/departments", "/admin/audit", "/admin/jobs", "/admin/categories", "/admin/categories/new", "/admin/accounts", "/admin/settings"] {
        w.cover(&format!("GET {page}"));
        let r = w.a_page(page).await;
        no_b(page, &r);
        assert!(!r.text().contains(&b.admin_login), "{page} names B's official");
    }
    let id = b.report;
    w.cover("GET /admin/reports/{id}");
    not_found("B's report page", &w.a_page(&format!("/admin/reports/{id}")).await);
    w.cover("GET /admin/reports/{id}/photos/{photo}");
    not_found("B's report's photo", &w.a_page(&format!("/admin/reports/{id}/photos/{}", b.photo)).await);
    w.cover("POST /admin/reports/bulk");
    refused("bulk on B's report", &w.a_post("/admin/reports/bulk", &format!("id={id}&action=accept")).await);
    refused("bulk assign of B's report", &w.a_post("/admin/reports/bulk", &format!("id={id}&action=assign:{}", a.department)).await);
    for (route, form) in [
        ("action", "action=accept".to_owned()),
        ("assign", format!("department={}", a.department)),
        ("visibility", "visibility=hidden&reason=test".to_owned()),
        ("assign-person", format!("assignee={}", a.admin_login)),
    ] {
        w.cover(&format!("POST /admin/reports/{{id}}/{route}"));
        not_found(&format!("{route} on B's report"), &w.a_post(&format!("/admin/reports/{id}/{route}"), &form).await);
    }
    for (kind, id, form) in [
        ("events", b.event, format!("title=intruz&starts_at=2030-01-01T10%3A00&ends_at=2030-01-01T12%3A00&category={}", b.event_category)),
        ("news", b.news, "title=intruz&body=x&priority=normal".to_owned()),
    ] {
        w.cover(&format!("GET /admin/{kind}/{{id}}"));
        not_found(&format!("B's {kind} edit page"), &w.a_page(&format!("/admin/{kind}/{id}")).await);
        w.cover(&format!("POST /admin/{kind}/{{id}}"));
        not_found(&format!("updating B's {kind}"), &w.a_post(&format!("/admin/{kind}/{id}"), &form).await);
        w.cover(&format!("POST /admin/{kind}/{{id}}/delete"));
        not_found(&format!("deleting B's {kind}"), &w.a_post(&format!("/admin/{kind}/{id}/delete"), "").await);
        // Creating lands in A, whatever the form names.
        w.cover(&format!("POST /admin/{kind}"));
        let r = w.a_post(&format!("/admin/{kind}"), &form.replace("intruz", "nowy-alfa")).await;
        assert!(r.status.is_redirection() || r.status.is_client_error(), "{kind}: {} {}", r.status, r.text());
    }
    w.cover("POST /admin/departments");
    assert_eq!(w.a_post("/admin/departments", "name=nowy-alfa").await.status, StatusCode::SEE_OTHER);
    w.cover("POST /admin/departments/members");
    refused("putting B's official into A's department", &w.a_post("/admin/departments/members", &format!("login={}&department={}", enc(&b.admin_login), a.department)).await);
    w.cover("POST /admin/jobs/{id}/retry");
    not_found("retrying B's job", &w.a_post(&format!("/admin/jobs/{}/retry", b.job), "").await);
    w.cover("POST /admin/ezd/classes");
    refused("classing B's category", &w.a_post("/admin/ezd/classes", &format!("category={}&jrwa=7310", b.report_category)).await);
    w.cover("GET /admin/categories/{id}");
    not_found("B's category page", &w.a_page(&format!("/admin/categories/{}", b.report_category)).await);
    w.cover("POST /admin/categories/{id}");
    refused("updating B's category", &w.a_post(&format!("/admin/categories/{}", b.report_category), "name_pl=przejęta&name_en=taken").await);
    w.cover("GET /admin/event-categories/{id}");
    not_found("B's event category page", &w.a_page(&format!("/admin/event-categories/{}", b.event_category)).await);
    w.cover("POST /admin/event-categories/{id}");
    refused("updating B's event category", &w.a_post(&format!("/admin/event-categories/{}", b.event_category), "name_pl=przejęta&name_en=taken").await);
    // A may use the same codes for categories of its own: B's stay B's.
    w.cover("POST /admin/categories");
    let r = w.a_post("/admin/categories", &format!("id={}&name_pl=x&name_en=x&active=1", b.report_category)).await;
    assert!(r.status.is_redirection() || r.status.is_client_error(), "{} {}", r.status, r.text());
    w.cover("POST /admin/event-categories");
    let r = w.a_post("/admin/event-categories", &format!("id={}&name_pl=x&name_en=x", b.event_category)).await;
    assert!(r.status.is_redirection() || r.status.is_client_error(), "{} {}", r.status, r.text());
    w.cover("POST /admin/accounts");
    let r = w.a_post("/admin/accounts", "login=nowy-alfa&role=editor&password=dobre-haslo-123&repeat=dobre-haslo-123").await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    let r = w.a_post("/admin/accounts", &format!("login={}&role=editor&password=dobre-haslo-123&repeat=dobre-haslo-123", enc(&b.admin_login))).await;
    refused("taking B's official's login", &r);
    let admin = b.admin_id;
    w.cover("GET /admin/accounts/{id}");
    not_found("B's official's account page", &w.a_page(&format!("/admin/accounts/{admin}")).await);
    for (route, form) in [("", "role=editor"), ("/password", "password=przejete-haslo-1&repeat=przejete-haslo-1"), ("/disable", "disabled=1"), ("/delete", "confirm=1")] {
        w.cover(&format!("POST /admin/accounts/{{id}}{route}"));
        not_found(&format!("account{route} of B's official"), &w.a_post(&format!("/admin/accounts/{admin}{route}"), form).await);
    }
    // Officials' second factor and sessions (issue 17): B's official's are
    // not A's admin's to list, end or reset.
    w.cover("GET /admin/accounts/{id}/sessions");
    not_found("B's official's sessions", &w.a_page(&format!("/admin/accounts/{admin}/sessions")).await);
    for route in ["/sessions/revoke", "/two-factor/reset"] {
        w.cover(&format!("POST /admin/accounts/{{id}}{route}"));
        not_found(&format!("account{route} of B's official"), &w.a_post(&format!("/admin/accounts/{admin}{route}"), "others=1").await);
    }
    let r = w.send("GET", "/admin/reports", Req { cookie: Some(&b.cookie), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::OK, "B's session lives");
    for r in [
        "GET /admin/login/code",
        "POST /admin/login/code",
        "GET /admin/two-factor",
        "GET /admin/two-factor/enrol",
        "POST /admin/two-factor/confirm",
        "POST /admin/two-factor/disable",
        "GET /admin/sessions",
        "POST /admin/sessions/revoke",
        "POST /admin/settings/two-factor",
    ] {
        // The official's own sign-in steps, second factor and sessions
        // (scoped to their user id; tests/two_factor.rs), and their own
        // gmina's setting.
        w.cover(r);
    }
    w.cover("POST /admin/settings");
    assert_eq!(w.a_post("/admin/settings", "tile_url=https%3A%2F%2Falfa.example%2F%7Bz%7D%2F%7Bx%7D%2F%7By%7D.png").await.status, StatusCode::OK);
    assert!(w.a_page("/admin/settings").await.text().contains("alfa.example"), "A's setting is A's");
    let r = w.send("GET", "/admin/settings", Req { cookie: Some(&b.cookie), ..Default::default() }).await;
    assert!(!r.text().contains("alfa.example"), "A's setting reached B");
    // The budget's and consultations' departments (issue 15): A's admin may
    // name only A's departments; B's is unknown to A, and B's settings stay.
    w.cover("POST /admin/settings/departments");
    let b_department = format!("{B_MARK} wydział");
    let b_before = w.t.store.gmina_record(&Teryt::parse(B).unwrap()).await.unwrap().unwrap().settings;
    let r = w
        .a_post("/admin/settings/departments", &format!("budget_department={}&consultations_department={}", enc(&b_department), enc(&b_department)))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let r = w.a_post("/admin/settings/departments", "budget_department=nowy-alfa&consultations_department=nowy-alfa").await;
    assert!(r.status.is_success() || r.status.is_redirection(), "A's own department: {} {}", r.status, r.text());
    let b_after = w.t.store.gmina_record(&Teryt::parse(B).unwrap()).await.unwrap().unwrap().settings;
    assert_eq!(b_before, b_after, "A's choice changed B's settings");
    assert_eq!(b_after.budget_department(), "Budżet obywatelski");
    // The SMS codes' ceiling (issue 17): A's admin sets A's, B's stays.
    w.cover("POST /admin/settings/sms");
    let r = w.a_post("/admin/settings/sms", "sms_per_hour=3").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(w.t.store.gmina_record(&Teryt::parse(B).unwrap()).await.unwrap().unwrap().settings, b_after, "A's ceiling changed B's settings");
    // Taxes (issue 14): A's admin sees A's import runs, rates, search and
    // payments only; B's taxpayer is a 404 to every page and form.
    for page in ["/admin/taxes", "/admin/taxes/payments", "/admin/taxes/taxpayers"] {
        w.cover(&format!("GET {page}"));
        no_b(page, &w.a_page(page).await);
    }
    no_b("searching for B's taxpayer", &w.a_page("/admin/taxes/taxpayers?q=Podatnik").await);
    // A prefix of B's taxpayer id ("BETAMARK-TP") short of the whole mark:
    // the page echoes the query.
    no_b("searching for B's taxpayer's id", &w.a_page(&format!("/admin/taxes/taxpayers?q={}", &B_MARK[..B_MARK.len() - 1])).await);
    w.cover("GET /admin/taxes/taxpayers/{id}");
    not_found("B's taxpayer", &w.a_page(&format!("/admin/taxes/taxpayers/{B_MARK}-TP")).await);
    for route in ["code", "revoke"] {
        w.cover(&format!("POST /admin/taxes/taxpayers/{{id}}/{route}"));
        not_found(&format!("{route} on B's taxpayer"), &w.a_post(&format!("/admin/taxes/taxpayers/{B_MARK}-TP/{route}"), "").await);
    }
    w.cover("POST /admin/taxes/rates");
    assert_eq!(w.a_post("/admin/taxes/rates", "from=2026-12-01&rate=9").await.status, StatusCode::OK);
    w.cover("POST /admin/taxes/thresholds");
    assert_eq!(w.a_post("/admin/taxes/thresholds", "from=2026-12-01&amount=9").await.status, StatusCode::OK);
    let b_rules = w.b_store().tax_rules().await.unwrap();
    assert_ne!(b_rules.rate_on(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()), 900, "A's rate reached B");
    w.cover("POST /admin/taxes/recipient");
    assert_eq!(w.a_post("/admin/taxes/recipient", "name=Gmina+A&nip=8961012362&department=Podatki").await.status, StatusCode::OK);
    let b_record = w.b_store().gmina_record(&mm_protocol::gmina::Teryt::parse(B).unwrap()).await.unwrap().unwrap();
    assert_ne!(b_record.settings.tax_recipient_nip.as_deref(), Some("8961012362"), "A's recipient reached B");
    w.cover("GET /transparency");
    no_b("transparency", &w.send("GET", &format!("/transparency?gmina={A}"), Req::default()).await);
    let r = w.send("GET", "/transparency", Req::default()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "two gminas, none named: {}", r.text());
    // The accessibility statement: A's admin publishes A's, which does not
    // reach B; B's is on B's page only.
    w.cover("POST /admin/settings/accessibility");
    let s = mm_server::accessibility::demo::siechnice();
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("entity", "Gmina A"),
            ("website_name", "A"),
            ("website_url", "https://a.example.pl"),
            ("published", "2020-01-02"),
            ("status", "full"),
            ("prepared", "2020-01-02"),
            ("contact_name", "A"),
            ("contact_email", "a@a.example.pl"),
            ("contact_phone", "+48 71 000 00 00"),
            ("architecture", s.architecture.as_str()),
        ])
        .finish();
    let r = w.a_post("/admin/settings/accessibility", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let b_record = w.b_store().gmina_record(&Teryt::parse(B).unwrap()).await.unwrap().unwrap();
    assert!(b_record.settings.accessibility.unwrap().entity.contains(B_MARK), "A's statement reached B");
    w.cover("GET /deklaracja-dostepnosci");
    assert!(w.send("GET", &format!("/deklaracja-dostepnosci?gmina={B}"), Req::default()).await.text().contains(B_MARK));
    no_b("statement", &w.send("GET", &format!("/deklaracja-dostepnosci?gmina={A}"), Req::default()).await);
    let r = w.send("GET", "/deklaracja-dostepnosci", Req::default()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "two gminas, none named: {}", r.text());
    w.cover("GET /admin/settings/accessibility");
    no_b("statement form", &w.a_page("/admin/settings/accessibility").await);

    // Local taxes and payments (issue 14; server/tests/taxes_api.rs tests
    // them in depth): B's taxpayer, liability, code and payment, aimed at
    // by A's device by every id.
    w.cover("POST /api/v1/taxes/link");
    refused("B's activation code in A", &w.a_device("POST", "/api/v1/taxes/link", Some(json!({"code": b_code}))).await);
    w.cover("GET /api/v1/taxes/taxpayers");
    no_b("A's device's taxpayers", &w.a_device("GET", "/api/v1/taxes/taxpayers", None).await);
    w.cover("GET /api/v1/taxes/liabilities");
    no_b("A's device's liabilities", &w.a_device("GET", "/api/v1/taxes/liabilities", None).await);
    w.cover("GET /api/v1/taxes/liabilities/{id}");
    not_found("B's liability from A", &w.a_device("GET", &format!("/api/v1/taxes/liabilities/{B_MARK}-L1"), None).await);
    w.cover("DELETE /api/v1/taxes/link/{taxpayer}");
    let r = w.a_device("DELETE", &format!("/api/v1/taxes/link/{B_MARK}-TP"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    w.cover("DELETE /api/v1/taxes/link");
    assert_eq!(w.a_device("DELETE", "/api/v1/taxes/link", None).await.status, StatusCode::NO_CONTENT);
    w.cover("GET /api/v1/taxes/rules");
    no_b("A's tax rules", &w.public("/api/v1/taxes/rules", A).await);
    w.cover("POST /api/v1/taxes/payments");
    let r = w
        .send("POST", "/api/v1/taxes/payments", Req {
            gmina: Some(A),
            token: Some(&w.a.device),
            json: Some(json!({"liability": format!("{B_MARK}-L1"), "amount_grosze": 100})),
            idempotency: Some("tenancy-1".into()),
            ..Default::default()
        })
        .await;
    not_found("paying B's liability from A", &r);
    w.cover("GET /api/v1/taxes/payments/{id}");
    not_found("B's payment from A", &w.a_device("GET", &format!("/api/v1/taxes/payments/{b_payment}"), None).await);
    w.cover("GET /api/v1/taxes/payments/{id}/receipt");
    not_found("B's receipt from A", &w.a_device("GET", &format!("/api/v1/taxes/payments/{b_payment}/receipt"), None).await);
    w.cover("POST /api/v1/payments/p24/status");
    let r = w.send("POST", &format!("/api/v1/payments/p24/status?gmina={A}"), Req { json: Some(json!({"sessionId": b_payment})), ..Default::default() }).await;
    assert!(!r.status.is_success() && !r.text().contains(B_MARK), "{} {}", r.status, r.text());
    let paid = w.b_store().payment(&b_payment).await.unwrap().unwrap();
    assert_eq!(paid.status, mm_protocol::taxes::PaymentStatus::Pending, "B's payment did not move");
    consultations_keep_gminas_apart(&w, consultations).await;
    admin_consultations_keep_gminas_apart(&w, consultations).await;
    notifications_keep_gminas_apart(&w, notifications).await;
    budget_keeps_gminas_apart(&w, budget).await;
    budget_results_keep_gminas_apart(&w, budget_results).await;
    budget_pb_keeps_gminas_apart(&w, budget_results).await;
    waste_keeps_gminas_apart(&w).await;

    // B is exactly as it was, and its official still signs in.
    assert_eq!(snapshot(w.b_store().as_ref(), b).await, before, "gmina B changed");
    let code = w.t.one_time_code(&b.admin_login).await;
    let r = w.send("POST", "/api/v1/auth/login", Req { json: Some(json!({"login": b.admin_login, "password": b.admin_password, "one_time_code": code})), ..Default::default() }).await;
    assert_eq!(r.status, StatusCode::OK, "B's official signs in: {}", r.text());

    let served = served_routes(&w).await;
    let covered = w.covered.lock().unwrap().clone();
    let missing: Vec<&String> = served.difference(&covered).collect();
    assert!(missing.is_empty(), "routes without an isolation check: {missing:#?}");
    let unknown: Vec<&String> = covered.difference(&served).collect();
    assert!(unknown.is_empty(), "checks of routes the app does not serve (a typo?): {unknown:#?}");
    assert!(served.len() > 90, "the routes were read: {}", served.len());
}

#[tokio::test]
async fn a_request_names_its_gmina_or_gets_a_clear_error() {
    let w = two_gminas().await;
    let r = w.send("GET", "/api/v1/news", Req::default()).await;
    assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "gmina_required".into()), "{}", r.text());
    assert!(r.json()["message"]["pl"].as_str().is_some_and(|m| !m.is_empty()));
    let r = w.public("/api/v1/news", "1465011").await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "unknown_gmina".into()));
    for bad in ["siechnice", "022308", "0223086"] {
        let r = w.public("/api/v1/news", bad).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_gmina".into()), "{bad}");
    }
    let r = w.send("GET", &format!("/api/v1/news?gmina={A}"), Req { gmina: Some(B), ..Default::default() }).await;
    assert_eq!(r.code(), "invalid_gmina", "two different names");
    // The query names it as well as the header, also on endpoints that
    // refuse unknown parameters.
    let r = w.send("GET", &format!("/api/v1/news?gmina={B}"), Req::default()).await;
    assert!(r.status.is_success() && r.text().contains(B_MARK), "{}", r.text());
    // A credential names its gmina when the request does not.
    let r = w.send("GET", "/api/v1/reports/mine", Req { token: Some(&w.b.device), ..Default::default() }).await;
    assert!(r.status.is_success() && r.text().contains(B_MARK), "{}", r.text());
    let r = w.send("GET", "/api/v1/audit", Req { token: Some(&w.a.token), ..Default::default() }).await;
    assert!(r.status.is_success() && !r.text().contains(B_MARK), "{}", r.text());
    // The back office without a session still sends the browser to sign in.
    let r = w.send("GET", "/admin/reports", Req::default()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The directory is for no gmina in particular.
    assert_eq!(w.send("GET", "/api/v1/gminas", Req::default()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_single_gmina_deployment_needs_no_name() {
    let t = TestApp::new().await;
    setup::add(
        t.store.as_ref(),
        NewGmina {
            teryt: A.into(),
            name: "Siechnice".into(),
            powiat: "wrocławski".into(),
            voivodeship: "dolnośląskie".into(),
            boundary: None,
            admin_login: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(t.get("/api/v1/news").await.status, StatusCode::OK);
    assert_eq!(t.get("/open311/v2/services.json").await.status, StatusCode::OK);
    let r = t.call("GET", "/api/v1/news", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t.send(Request::get("/api/v1/news").header("MM-Gmina", B).body(Body::empty()).unwrap()).await;
    assert_eq!(r.code(), "unknown_gmina");
}

// ---- the directory ----

async fn directory() -> TestApp {
    let t = TestApp::new().await;
    for (teryt, name, powiat, boundary) in [
        ("0223083", "Siechnice", "wrocławski", Some(square(17.05, 50.97, 17.25, 51.08))),
        ("0223032", "Czernica", "wrocławski", Some(square(17.25, 51.00, 17.40, 51.12))),
        ("0223102", "Żórawina", "wrocławski", None),
        ("1465011", "Warszawa", "Warszawa", Some(square(20.85, 52.09, 21.27, 52.37))),
    ] {
        let new = NewGmina {
            teryt: teryt.into(),
            name: name.into(),
            powiat: powiat.into(),
            voivodeship: "x".into(),
            boundary,
            admin_login: None,
        };
        setup::add(t.store.as_ref(), new, chrono::Utc::now()).await.unwrap();
    }
    t
}

fn teryts(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["gminas"].as_array().unwrap().iter().map(|g| g["teryt"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn directory_finds_gminas_without_diacritics_by_powiat_and_code() {
    let t = directory().await;
    assert_eq!(teryts(&t.get("/api/v1/gminas").await).len(), 4);
    assert_eq!(teryts(&t.get("/api/v1/gminas?q=zorawina").await), ["0223102"]);
    assert_eq!(teryts(&t.get("/api/v1/gminas?q=%C5%BB%C3%B3raw").await), ["0223102"]);
    assert_eq!(teryts(&t.get("/api/v1/gminas?q=wroclawski").await), ["0223083", "0223032", "0223102"]);
    assert_eq!(teryts(&t.get("/api/v1/gminas?q=0223").await), ["0223083", "0223032", "0223102"]);
    assert!(teryts(&t.get("/api/v1/gminas?q=krakow").await).is_empty());
    let g = &t.get("/api/v1/gminas?q=czernica").await.json()["gminas"][0];
    assert_eq!(g["name"], "Czernica");
    assert_eq!(g["powiat"], "wrocławski");
    assert_eq!(g["bbox"]["min_lon"], 17.25);
    assert!(g.get("settings").is_none(), "no settings in the public directory");
}

#[tokio::test]
async fn directory_finds_the_gmina_of_a_location() {
    let t = directory().await;
    assert_eq!(teryts(&t.get("/api/v1/gminas?lat=51.03&lon=17.15").await), ["0223083"]);
    assert_eq!(teryts(&t.get("/api/v1/gminas?lat=51.06&lon=17.30").await), ["0223032"]);
    assert_eq!(teryts(&t.get("/api/v1/gminas?lat=52.23&lon=21.01").await), ["1465011"]);
    assert!(teryts(&t.get("/api/v1/gminas?lat=50.06&lon=19.94").await).is_empty(), "Kraków is not served");
    assert!(teryts(&t.get("/api/v1/gminas?lat=51.03&lon=17.15&q=czernica").await).is_empty());
}

#[tokio::test]
async fn directory_refuses_bad_parameters() {
    let t = directory().await;
    for q in ["lat=51", "lon=17", "lat=91&lon=17", "lat=51&lon=181", "lat=x&lon=17", "lat=NaN&lon=17", "radius=5"] {
        let r = t.get(&format!("/api/v1/gminas?{q}")).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "invalid_query".into()), "{q}: {}", r.text());
    }
    let long = "a".repeat(101);
    assert_eq!(t.get(&format!("/api/v1/gminas?q={long}")).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn adding_a_gmina_twice_or_with_a_taken_login_writes_nothing() {
    let t = directory().await;
    let again = NewGmina {
        teryt: "0223032".into(),
        name: "Czernica".into(),
        powiat: "wrocławski".into(),
        voivodeship: "x".into(),
        boundary: None,
        admin_login: None,
    };
    let e = setup::add(t.store.as_ref(), again.clone(), chrono::Utc::now()).await.unwrap_err();
    assert!(matches!(e, setup::SetupError::Exists(_)), "{e}");
    let taken = NewGmina { teryt: "0223042".into(), admin_login: Some("admin-czernica".into()), ..again };
    let e = setup::add(t.store.as_ref(), taken, chrono::Utc::now()).await.unwrap_err();
    assert!(matches!(e, setup::SetupError::LoginTaken(_)), "{e}");
    assert_eq!(teryts(&t.get("/api/v1/gminas").await).len(), 4);
}

#[tokio::test]
async fn the_demo_shows_two_gminas_kept_apart() {
    let t = TestApp::new().await;
    let store = t.store.clone() as Arc<dyn Store>;
    let started = mm_server::demo::start(store.clone(), t.state.clock.clone(), &t.state.budget_keys, true).await.unwrap();
    let password = mm_server::demo::start_neighbour(store.clone(), t.state.clock.clone(), true).await.unwrap().expect("Czernica's admin");
    assert!(started.admin_password.is_some());
    assert!(mm_server::demo::start_neighbour(store.clone(), t.state.clock.clone(), true).await.unwrap().is_none(), "once");
    t.state.gminas.invalidate();
    let w = World { t, a: empty_side(), b: empty_side(), covered: Mutex::default() };
    let gminas = teryts(&w.send("GET", "/api/v1/gminas", Req::default()).await);
    assert_eq!(gminas, [A, B]);
    assert_eq!(teryts(&w.send("GET", "/api/v1/gminas?lat=51.048&lon=17.244", Req::default()).await), [B], "the village of Czernica");
    assert_eq!(teryts(&w.send("GET", "/api/v1/gminas?lat=51.0335&lon=17.15", Req::default()).await), [A], "the town of Siechnice");
    let czernica = w.public("/api/v1/reports", B).await.text();
    let siechnice = w.public("/api/v1/reports", A).await.text();
    assert!(czernica.contains("Ratowice") && !czernica.contains("Siechnice"), "{czernica}");
    assert!(!siechnice.contains("Ratowice"));
    let news = w.public("/api/v1/news", B).await.text();
    assert!(news.contains("Dobrzykowicach") && !w.public("/api/v1/news", A).await.text().contains("Dobrzykowicach"));
    let gmina = w.public("/api/v1/gmina", B).await.json();
    assert_eq!(gmina["localities"].as_array().unwrap().len(), 8);
    // Czernica's admin signs in to Czernica's back office.
    common::enrol_admin(&w.t.state, mm_server::demo::czernica::ADMIN_LOGIN).await;
    let (cookie, _) = back_office(&w, mm_server::demo::czernica::ADMIN_LOGIN, &password).await;
    let page = w.send("GET", "/admin/reports", Req { cookie: Some(&cookie), ..Default::default() }).await.text();
    assert!(page.contains("Znalezione zgłoszenia: 5."), "Czernica's five reports, not Siechnice's sixty: {page}");
    assert!(page.contains("Duża dziura w jezdni przed mostem."));
}

// ---- the command line ----

fn mm_server(dir: &std::path::Path, guard: &common::backend::StoreGuard, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mm-server"));
    guard.point_at_database(&mut command);
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[tokio::test]
async fn mm_server_gmina_add_checks_the_boundary_and_prints_the_first_admins_password() {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let add = ["gmina", "add", "--teryt", B, "--name", "Czernica", "--powiat", "wrocławski", "--voivodeship", "dolnośląskie", "--boundary"];
    // A bad file: a clear error, nothing written.
    let bad = dir.path().join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[17.2,51.0]}}"#).unwrap();
    let out = mm_server(dir.path(), &guard, &[&add[..], &[bad.to_str().unwrap()]].concat());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.geojson") && err.contains("not a Polygon"), "{err}");
    let missing = mm_server(dir.path(), &guard, &[&add[..], &["/nonexistent.geojson"]].concat());
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("cannot read"));
    assert!(store.list_gminas().await.unwrap().is_empty(), "nothing written");
    drop(store);
    // A good one: the gmina, and its admin's password on stdout.
    let good = dir.path().join("czernica.geojson");
    std::fs::write(
        &good,
        r#"{"type":"Feature","properties":{"name":"Czernica"},"geometry":{"type":"MultiPolygon","coordinates":[[[[17.25,51.0],[17.4,51.0],[17.4,51.12],[17.25,51.12],[17.25,51.0]]]]}}"#,
    )
    .unwrap();
    let out = mm_server(dir.path(), &guard, &[&add[..], &[good.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let password = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(password.len() >= 16, "{password}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("admin-czernica"));
    let again = mm_server(dir.path(), &guard, &[&add[..], &[good.to_str().unwrap()]].concat());
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already"));
    let t = TestApp::reopen(dir, guard).await;
    let g = &t.get("/api/v1/gminas?lat=51.06&lon=17.3").await.json()["gminas"];
    assert_eq!(g[0]["teryt"], B);
    // The printed password is right (a wrong one is `invalid_credentials`);
    // a new admin sets up a second factor before anything else.
    let r = t.call("POST", "/api/v1/auth/login", None, Some(json!({"login": "admin-czernica", "password": password}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["code"], "second_factor_not_enrolled", "the printed password is accepted: {}", r.text());
}

#[tokio::test]
async fn the_openapi_document_names_the_gmina_header_where_it_applies() {
    let t = TestApp::new().await;
    let doc = t.get("/api/v1/openapi.json").await.json();
    let header_of = |path: &str| {
        doc["paths"][path]["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "MM-Gmina" && p["in"] == "header"))
    };
    for path in ["/api/v1/news", "/api/v1/reports/{id}", "/api/v1/sync", "/api/v1/gmina", "/api/v1/places/import"] {
        assert!(header_of(path), "{path} takes MM-Gmina");
    }
    for path in ["/api/v1/gminas", "/api/v1/openapi.json", "/api/v1/auth/login"] {
        assert!(!header_of(path), "{path} is the deployment's");
    }
    assert!(doc["paths"]["/api/v1/gminas"]["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "q"));
}

// ---- jobs: each runs as its gmina's ----

/// An EZD that records the reports it registers.
#[derive(Default)]
struct RecordingEzd {
    registered: Mutex<Vec<i64>>,
}

#[async_trait::async_trait]
impl mm_server::ezd::Ezd for RecordingEzd {
    async fn register(&self, reg: &mm_server::ezd::model::Registration) -> Result<mm_server::ezd::model::Registered, mm_server::ezd::model::EzdError> {
        self.registered.lock().unwrap().push(reg.report.id);
        Ok(mm_server::ezd::model::Registered { rpw_number: format!("RPW/{}", reg.report.id), document_id: None })
    }
    async fn open_case(&self, c: &mm_server::ezd::model::CaseRequest) -> Result<mm_server::ezd::model::OpenedCase, mm_server::ezd::model::EzdError> {
        Ok(mm_server::ezd::model::OpenedCase { case_id: format!("case-{}", c.report_id), case_reference: None })
    }
    async fn case_state(&self, _: &str) -> Result<Option<mm_server::ezd::model::CaseState>, mm_server::ezd::model::EzdError> {
        Ok(None)
    }
    fn polls(&self) -> bool {
        false
    }
}

#[tokio::test]
async fn each_gminas_jobs_run_with_its_store_and_its_own_ezd() {
    use mm_server::store::jobs::JobState;
    let t = TestApp::new().await;
    for (teryt, name) in [(A, "Siechnice"), (B, "Czernica")] {
        let new = NewGmina { teryt: teryt.into(), name: name.into(), powiat: "wrocławski".into(), voivodeship: "x".into(), boundary: None, admin_login: None };
        setup::add(t.store.as_ref(), new, chrono::Utc::now()).await.unwrap();
    }
    // Czernica names an EZD of its own; Siechnice uses the deployment's.
    let b = Teryt::parse(B).unwrap();
    let mut record = t.store.gmina_record(&b).await.unwrap().unwrap();
    record.settings.ezd_base_url = Some("https://ezd.czernica.example".into());
    record.settings.ezd_credentials = Some("czernica-ezd.json".into());
    t.store.update_gmina(mm_server::store::Actor("test".into()), record, chrono::Utc::now()).await.unwrap();
    let mut ids = Vec::new();
    for teryt in [A, B] {
        let scoped = t.store.for_gmina(&Teryt::parse(teryt).unwrap());
        let input = mm_protocol::reports::NewReport {
            category: "other".into(),
            point: mm_protocol::geo::GeoPoint { lat: 51.05, lon: 17.2 },
            location_source: Default::default(),
            accuracy_m: None,
            address: None,
            description: format!("Zgłoszenie w gminie {teryt}."),
            answers: Default::default(),
            photo_ids: vec![],
            contact: None,
        };
        let rec = mm_server::store::NewReportRecord { device_id: None, idempotency: None, input, now: chrono::Utc::now() };
        let mm_server::store::Created::New(r) = scoped.create_report(rec).await.unwrap() else { panic!() };
        ids.push(r.id);
    }
    let deployments = Arc::new(RecordingEzd::default());
    let czernicas = Arc::new(RecordingEzd::default());
    let opened = Arc::new(Mutex::new(Vec::new()));
    let (ezd, seen) = (czernicas.clone(), opened.clone());
    let bridge = mm_server::ezd::bridge::Bridge::new(
        t.store.clone() as Arc<dyn Store>,
        deployments.clone(),
        Default::default(),
        t.state.clock.clone(),
    )
    .with_gmina_ezds(mm_server::ezd::jobs::GminaEzds::new(Box::new(move |_gmina, settings| {
        let Some(url) = &settings.ezd_base_url else { return Ok(None) };
        seen.lock().unwrap().push((url.clone(), settings.ezd_credentials.clone()));
        Ok(Some(ezd.clone() as Arc<dyn mm_server::ezd::Ezd>))
    })));
    assert_eq!(bridge.deliver_due().await.unwrap(), 2);
    assert_eq!(*deployments.registered.lock().unwrap(), [ids[0]], "Siechnice's report, to the deployment's EZD");
    assert_eq!(*czernicas.registered.lock().unwrap(), [ids[1]], "Czernica's report, to Czernica's EZD");
    assert_eq!(*opened.lock().unwrap(), [("https://ezd.czernica.example".to_owned(), Some("czernica-ezd.json".to_owned()))]);
    for teryt in [A, B] {
        let scoped = t.store.for_gmina(&Teryt::parse(teryt).unwrap());
        let done = scoped.jobs(JobFilter { state: Some(JobState::Done), kind: None, limit: 10 }).await.unwrap();
        assert_eq!(done.len(), 1, "{teryt}'s job is done, in its own store");
    }
}

#[test]
fn under_ezd_package_each_gminas_registrations_land_in_its_own_folder() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mm-server"))
        .args(["--addr", "127.0.0.1:0", "--ezd", "package", "--demo", "--demo-neighbour", "--data-dir"])
        .arg(dir.path())
        .env("MM_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
    let packages = |sub: &str| -> Vec<String> {
        std::fs::read_dir(dir.path().join(sub))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with("MM-ZGL-") && !n.ends_with("-sprawa")).collect())
            .unwrap_or_default()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while packages(&format!("ezd-{B}")).len() < 5 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    let czernica = packages(&format!("ezd-{B}"));
    let siechnice = packages("ezd");
    assert_eq!(czernica.len(), 5, "Czernica's five reports' registrations, in its own folder: {czernica:?}");
    // (The demo's Siechnice reports were registered by the demo's own EZD.)
    assert!(siechnice.iter().all(|p| !czernica.contains(p)), "none of Czernica's in the deployment's folder: {siechnice:?}");
}
