//! The EZD bridge's dead letters and photo attachments against the fake EZD
//! RP (`mm_e2e::fake_ezd`), with a real `mm-server --ezd rp-api`:
//! - a registration the EZD keeps refusing ends as a dead letter, an admin
//!   sees it in the back office (`/admin/jobs`, signed in over HTTP with the
//!   cookie + CSRF flow) with its last error, retries it once the EZD is
//!   back, and the report is then registered exactly once; the retry is
//!   audited;
//! - a report's photos travel as the RPW entry's attachments.

use std::time::{Duration, Instant};

use mm_e2e::fake_ezd::{FakeEzd, Fault};
use mm_e2e::{Server, reqwest};
use serde_json::{Value, json};

fn start(dir: &std::path::Path, fake: &FakeEzd, max_attempts: &str) -> Server {
    let creds = fake.credentials_file(dir).display().to_string();
    let env: Vec<(&str, &str)> = vec![
        ("MM_EZD", "rp-api"),
        ("MM_EZD_URL", &fake.url),
        ("MM_EZD_CREDENTIALS", &creds),
        ("MM_EZD_RETRY_BASE_MS", "50"),
        ("MM_EZD_RETRY_MAX_MS", "200"),
        ("MM_EZD_MAX_ATTEMPTS", max_attempts),
        ("MM_EZD_POLL_MS", "200"),
        ("MM_EZD_TIMEOUT_MS", "2000"),
        ("MM_RATE_DEVICE_PER_HOUR", "1000000"),
        ("MM_RATE_IP_PER_HOUR", "1000000"),
    ];
    Server::start_at(dir, true, "127.0.0.1:0", &env).unwrap()
}

fn wait(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn device(url: &str) -> String {
    reqwest::blocking_client()
        .post(format!("{url}/api/v1/devices"))
        .json(&json!({"platform": "cli", "app_version": "1.0.0"}))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn report(url: &str, token: &str, key: &str, photo_ids: &[String]) -> i64 {
    let r = reqwest::blocking_client()
        .post(format!("{url}/api/v1/reports"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&json!({"category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15},
            "description": "Latarnia nie świeci", "answers": {"kind": "not_lit"}, "photo_ids": photo_ids}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().unwrap()["id"].as_i64().unwrap()
}

/// A real JPEG of `w`×`h` px (the server decodes every upload, finding
/// 6); different sizes, different bytes.
fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let img = image::RgbImage::from_fn(u32::from(w), u32::from(h), |x, y| {
        image::Rgb([(x * 40) as u8, (y * 60) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// The photo as the server stores it: its clean copy (finding 5).
fn stored_len(url: &str, id: &str) -> usize {
    reqwest::blocking_client()
        .get(format!("{url}/api/v1/photos/{id}"))
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .len()
}

fn upload_photo(url: &str, token: &str, bytes: Vec<u8>) -> String {
    let r = reqwest::blocking_client()
        .post(format!("{url}/api/v1/photos"))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().unwrap();
    assert_eq!(status, 201, "{body}");
    body["photo_id"].as_str().unwrap().to_owned()
}

/// The value of `name="csrf" value="…"` in a page.
fn csrf_in(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .expect("a CSRF field in the page")
        + r#"name="csrf" value=""#.len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// `name=value` of a `Set-Cookie` header with that name.
fn set_cookie(resp: &reqwest::blocking::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// A browser without redirects and with its cookies kept by hand.
struct Browser {
    url: String,
    http: reqwest::blocking::Client,
    session: String,
}

impl Browser {
    /// The password, then `code` (an admin's second factor) when given.
    fn sign_in(url: &str, login: &str, password: &str, code: Option<&str>) -> Browser {
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let page = http.get(format!("{url}/admin/login")).send().unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let login_cookie = set_cookie(&page, "mm_login_csrf").expect("the sign-in CSRF cookie");
        let csrf = csrf_in(&page.text().unwrap());
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &csrf)
            .append_pair("login", login)
            .append_pair("password", password)
            .finish();
        let r = http
            .post(format!("{url}/admin/login"))
            .header("cookie", &login_cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .unwrap();
        assert!(
            r.status().is_redirection(),
            "sign-in answered {}",
            r.status()
        );
        let session = set_cookie(&r, "mm_session").expect("a session cookie after signing in");
        if let Some(code) = code {
            let page = http.get(format!("{url}/admin/login/code")).header("cookie", &session).send().unwrap();
            let csrf = csrf_in(&page.text().unwrap());
            let form: String =
                form_urlencoded::Serializer::new(String::new()).append_pair("csrf", &csrf).append_pair("recovery_code", code).finish();
            let r = http
                .post(format!("{url}/admin/login/code"))
                .header("cookie", &session)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
                .send()
                .unwrap();
            assert!(r.status().is_redirection(), "the code step answered {}", r.status());
        }
        Browser {
            url: url.to_owned(),
            http,
            session,
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", &self.session)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    }

    fn post(&self, path: &str, csrf: &str) -> (u16, Option<String>) {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", &self.session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf={csrf}"))
            .send()
            .unwrap();
        (
            r.status().as_u16(),
            r.headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned),
        )
    }
}

/// `(job id, report id, last error)` of each dead letter on `/admin/jobs`.
fn dead_letters(html: &str) -> Vec<(i64, i64, String)> {
    html.split(r#"<tr class="dead-letter">"#)
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap();
            let cell = |i: usize| {
                row.split("<td")
                    .nth(i + 1)
                    .unwrap()
                    .split_once('>')
                    .unwrap()
                    .1
                    .split("</td>")
                    .next()
                    .unwrap()
                    .to_owned()
            };
            let strip = |s: String| {
                s.split('>')
                    .nth(1)
                    .map(|x| x.split('<').next().unwrap().to_owned())
                    .unwrap_or(s)
            };
            (
                cell(0).parse().unwrap(),
                strip(cell(1)).parse().unwrap(),
                cell(4),
            )
        })
        .collect()
}

#[test]
fn a_dead_letter_is_shown_with_its_error_and_retried_from_the_back_office() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    fake.set_fault(Fault::Status500);
    let server = start(dir.path(), &fake, "3");
    let token = device(&server.url);
    let id = report(&server.url, &token, "dead-1", &[]);

    // Three attempts, each answered 500, then nothing more: a dead letter.
    let admin = server.official("admin-ezd", "admin").unwrap();
    let browser = Browser::sign_in(&server.url, "admin-ezd", mm_e2e::OFFICIAL_PASSWORD, Some(&admin.recovery_codes[0]));
    let mut page = String::new();
    wait("a dead letter on /admin/jobs", 30, || {
        let (s, body) = browser.get("/admin/jobs");
        assert_eq!(s, 200, "{body}");
        page = body;
        !dead_letters(&page).is_empty()
    });
    let dead = dead_letters(&page);
    assert_eq!(dead.len(), 1, "{dead:?}");
    let (job, report_id, last_error) = dead[0].clone();
    assert_eq!(report_id, id);
    assert!(
        last_error.contains("500"),
        "the last error is shown: {last_error:?}"
    );
    let attempts_sent = |f: &FakeEzd| {
        f.requests()
            .iter()
            .filter(|(m, p)| m == "POST" && p.ends_with("/rpw/_search"))
            .count()
    };
    let tried = attempts_sent(&fake);
    assert_eq!(
        tried, 3,
        "exactly --ezd-max-attempts attempts before the dead letter"
    );
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(
        attempts_sent(&fake),
        3,
        "a dead letter is not retried on its own"
    );
    assert!(fake.rpw().is_empty());

    // The EZD recovers; nothing happens until an official retries.
    fake.set_fault(Fault::None);
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        fake.rpw().is_empty(),
        "the dead letter waits for an official"
    );

    // A retry without the CSRF token is refused and changes nothing.
    let (s, _) = browser.post(&format!("/admin/jobs/{job}/retry"), "wrong");
    assert_eq!(s, 403);
    std::thread::sleep(Duration::from_millis(500));
    assert!(fake.rpw().is_empty());

    let csrf = csrf_in(&page);
    let (s, location) = browser.post(&format!("/admin/jobs/{job}/retry"), &csrf);
    assert!((300..400).contains(&s), "retry answered {s}");
    assert_eq!(location.as_deref(), Some("/admin/jobs"));
    wait("the retried registration", 30, || {
        fake.rpw().len() == 1 && fake.rpw()[0].metadata.is_some()
    });
    std::thread::sleep(Duration::from_secs(1));
    let rpw = fake.rpw();
    assert_eq!(rpw.len(), 1, "registered exactly once");
    assert!(
        rpw[0].tytul.starts_with(&format!("MM-ZGL-{id}-")),
        "{}",
        rpw[0].tytul
    );
    let (_, after) = browser.get("/admin/jobs");
    assert!(
        dead_letters(&after).is_empty(),
        "no dead letter left: {after}"
    );
    // Retrying it again is refused: it is no longer a dead letter.
    let (s, _) = browser.post(&format!("/admin/jobs/{job}/retry"), &csrf);
    assert_eq!(s, 404);

    let (s, audit) = admin
        .request(reqwest::Method::GET, "/api/v1/audit", None)
        .unwrap();
    assert_eq!(s, 200, "{audit}");
    let retries: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "ezd.retry")
        .collect();
    assert_eq!(retries.len(), 1, "{audit}");
    assert_eq!(retries[0]["actor"], "admin-ezd");
    assert_eq!(retries[0]["entity_id"], job.to_string());

    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn photos_travel_as_attachments_of_the_rpw_entry() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    let server = start(dir.path(), &fake, "1000");
    let token = device(&server.url);
    let photos = [jpeg(4, 3), jpeg(8, 6)];
    assert_ne!(photos[0], photos[1]);
    let ids: Vec<String> = photos
        .iter()
        .map(|p| upload_photo(&server.url, &token, p.clone()))
        .collect();
    let with = report(&server.url, &token, "photos-1", &ids);
    let without = report(&server.url, &token, "photos-0", &[]);
    wait("both registrations with their attachments", 30, || {
        let rpw = fake.rpw();
        rpw.len() == 2
            && rpw.iter().all(|e| e.metadata.is_some())
            && rpw.iter().any(|e| e.zalaczniki.len() >= 2)
    });
    std::thread::sleep(Duration::from_secs(1));
    let rpw = fake.rpw();
    assert_eq!(rpw.len(), 2);
    let entry = |id: i64| {
        rpw.iter()
            .find(|e| e.tytul.starts_with(&format!("MM-ZGL-{id}-")))
            .unwrap_or_else(|| panic!("report {id} in {rpw:?}"))
            .clone()
    };
    let e = entry(with);
    // The report document is the entry's own document; the photos are
    // its attachments, each once, with their bytes.
    assert!(e.tytul.ends_with(".html"), "{}", e.tytul);
    let mut got = e.zalaczniki.clone();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("zdjecie-1.jpg".to_owned(), stored_len(&server.url, &ids[0])),
            ("zdjecie-2.jpg".to_owned(), stored_len(&server.url, &ids[1]))
        ]
    );
    assert!(entry(without).zalaczniki.is_empty());
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[test]
fn photos_missing_after_a_lost_answer_are_added_once() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeEzd::start();
    // The first photo's upload is carried out but its answer is lost: the
    // retry finds the entry by its reference and adds only what it lacks.
    fake.set_fault(Fault::LoseResponse {
        path_contains: "/zalaczniki".into(),
        remaining: 1,
    });
    let server = start(dir.path(), &fake, "1000");
    let token = device(&server.url);
    let photos = [jpeg(5, 3), jpeg(9, 6)];
    let ids: Vec<String> = photos
        .iter()
        .map(|p| upload_photo(&server.url, &token, p.clone()))
        .collect();
    report(&server.url, &token, "photos-lost", &ids);
    wait("the attachments", 30, || {
        fake.rpw().first().is_some_and(|e| e.zalaczniki.len() >= 2)
    });
    std::thread::sleep(Duration::from_secs(1));
    let rpw = fake.rpw();
    assert_eq!(rpw.len(), 1);
    let mut names: Vec<String> = rpw[0].zalaczniki.iter().map(|z| z.0.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["zdjecie-1.jpg", "zdjecie-2.jpg"],
        "each photo once"
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}
