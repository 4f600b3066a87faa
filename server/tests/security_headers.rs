//! What every answer carries and where absolute URLs and cookies come from
//! (security review 2026-12, findings 12, 20, 22, 23, 28), in-process.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, TestApp};
use mm_protocol::auth::Role;
use mm_server::reports::ratelimit::Limits;
use serde_json::json;

const PASS: &str = "hasło-testowe-1";

/// The demo data, generous write limits, and `public_url` as the server's
/// configured public address (None: the default, plain http).
async fn app(public_url: Option<&str>) -> TestApp {
    let mut t = TestApp::new().await;
    mm_server::demo::load(t.store.as_ref(), t.state.clock.now()).await.unwrap();
    t.state.limits.configure(Limits { device_per_hour: 10_000, ip_per_hour: 10_000 });
    if let Some(u) = public_url {
        t.state.public_url = mm_server::config::PublicUrl::parse(u).unwrap();
        t.app = mm_server::app(t.state.clone());
    }
    t
}

async fn req(t: &TestApp, method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    t.send(b.body(Body::from(body.to_owned())).unwrap()).await
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn value(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned()
}

/// Signs `login` in through the back-office form; returns the Cookie header.
async fn office(t: &TestApp, login: &str, role: Role, cookie_name: &str) -> String {
    t.add_user(login, role, PASS).await;
    let form = req(t, "GET", "/admin/login", &[], "").await;
    let csrf_cookie = form
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("mm_login_csrf="))
        .expect("a sign-in CSRF cookie")
        .to_owned();
    let (name, pre) = csrf_cookie.split(';').next().unwrap().split_once('=').unwrap();
    let body = format!("csrf={pre}&login={login}&password={}", form_urlencoded::byte_serialize(PASS.as_bytes()).collect::<String>());
    let r = req(
        t,
        "POST",
        "/admin/login",
        &[("cookie", &format!("{name}={pre}")), ("content-type", "application/x-www-form-urlencoded")],
        &body,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let set = set_cookie(&r, cookie_name).unwrap_or_else(|| panic!("no {cookie_name} cookie in {:?}", r.headers));
    let cookie = format!("{cookie_name}={}", value(&set));
    if role == Role::Admin {
        // Admins sign in with a code too (`TestApp::add_user` enrolled this one).
        t.answer_code(&cookie, login).await;
    }
    cookie
}

/// A resident's report (with a contact) through the API; returns its id.
async fn resident_report(t: &TestApp, photo_ids: &[String]) -> i64 {
    let dev = req(t, "POST", "/api/v1/devices", &[("content-type", "application/json")], r#"{"platform":"android","app_version":"1.0.0"}"#).await;
    let token = dev.json()["token"].as_str().unwrap().to_owned();
    let report = json!({
        "category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15}, "location_source": "gps",
        "description": "Latarnia nie świeci.", "answers": {"kind": "not_lit"}, "photo_ids": photo_ids,
        "contact": {"name": "Jan Kowalski", "phone": "+48600100200"},
    });
    let r = req(
        t,
        "POST",
        "/api/v1/reports",
        &[("authorization", &format!("Bearer {token}")), ("idempotency-key", &uuid::Uuid::new_v4().to_string()), ("content-type", "application/json")],
        &report.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

fn header<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The CSP's directives by name.
fn csp(r: &Resp) -> std::collections::HashMap<String, Vec<String>> {
    header(r, "content-security-policy")
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace();
            Some((words.next()?.to_owned(), words.map(str::to_owned).collect()))
        })
        .collect()
}

#[tokio::test]
async fn finding_12_every_response_carries_the_security_headers() {
    let t = app(None).await;
    let cookie = office(&t, "disp1", Role::Dispatcher, "mm_session").await;
    for uri in [
        "/admin/login",
        "/admin/reports",
        "/admin/map",
        "/transparency",
        "/healthz",
        "/api/v1/news",
        "/api/v1/nothing-here",
        "/open311/discovery.json",
        "/admin/assets/admin.css",
    ] {
        let r = req(&t, "GET", uri, &[("cookie", &cookie)], "").await;
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{uri}");
        assert!(!header(&r, "referrer-policy").is_empty(), "{uri}: no Referrer-Policy");
        let p = csp(&r);
        assert_eq!(p.get("frame-ancestors").map(Vec::as_slice), Some(&["'none'".to_owned()][..]), "{uri}: {p:?}");
        let scripts = p.get("script-src").or(p.get("default-src")).unwrap_or_else(|| panic!("{uri}: no script policy"));
        assert!(!scripts.iter().any(|s| s.contains("unsafe")), "{uri}: {scripts:?}");
        // Plain http: no HSTS (a browser would ignore it anyway, RFC 6797 §8.1).
        assert!(r.headers.get("strict-transport-security").is_none(), "{uri}");
    }
}

#[tokio::test]
async fn finding_12_back_office_pages_are_never_stored() {
    let t = app(None).await;
    let id = resident_report(&t, &[]).await;
    let cookie = office(&t, "disp1", Role::Dispatcher, "mm_session").await;
    let detail = format!("/admin/reports/{id}");
    for uri in ["/admin/login", "/admin/reports", &detail, "/admin/map", "/admin/password"] {
        let r = req(&t, "GET", uri, &[("cookie", &cookie)], "").await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert!(header(&r, "cache-control").contains("no-store"), "{uri}: cache-control {:?}", header(&r, "cache-control"));
    }
    // Static assets may be cached.
    let r = req(&t, "GET", "/admin/assets/admin.css", &[], "").await;
    assert!(!header(&r, "cache-control").contains("no-store"));
}

#[tokio::test]
async fn finding_12_hsts_when_the_public_url_is_https() {
    let t = app(Some("https://zgloszenia.gmina.example")).await;
    for uri in ["/admin/login", "/api/v1/news", "/healthz"] {
        let r = req(&t, "GET", uri, &[], "").await;
        let hsts = header(&r, "strict-transport-security");
        let age: u64 = hsts
            .split(';')
            .find_map(|d| d.trim().strip_prefix("max-age="))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{uri}: HSTS {hsts:?}"));
        assert!(age >= 180 * 86400, "{uri}: {hsts}");
    }
}

#[tokio::test]
async fn finding_12_map_page_has_no_inline_script_and_allows_the_tile_server() {
    let t = app(None).await;
    let cookie = office(&t, "admin1", Role::Admin, "mm_session").await;
    // Admins set the tile server in the settings.
    let page = req(&t, "GET", "/admin/settings", &[("cookie", &cookie)], "").await;
    let i = page.text().find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page.text()[i..i + 64].to_owned();
    let body = format!("csrf={csrf}&tile_url={}", form_urlencoded::byte_serialize(b"https://{s}.tiles.example.pl/{z}/{x}/{y}.png").collect::<String>());
    let r = req(&t, "POST", "/admin/settings", &[("cookie", &cookie), ("content-type", "application/x-www-form-urlencoded")], &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let r = req(&t, "GET", "/admin/map", &[("cookie", &cookie)], "").await;
    let html = r.text();
    // Every <script> either loads a file or is a JSON data block.
    for tag in html.split("<script").skip(1) {
        let open = &tag[..tag.find('>').unwrap()];
        assert!(open.contains("src=\"/admin/assets/") || open.contains("type=\"application/json\""), "inline script: <script{open}>");
    }
    let p = csp(&r);
    let img = p.get("img-src").expect("img-src");
    assert!(img.iter().any(|s| s == "https://*.tiles.example.pl"), "tiles not allowed: {img:?}");
    assert!(img.iter().any(|s| s == "'self'"), "{img:?}");
    let scripts = p.get("script-src").expect("script-src");
    assert_eq!(scripts, &vec!["'self'".to_owned()]);
    assert!(!p.get("style-src").expect("style-src").iter().any(|s| s.contains("unsafe")));
}

#[tokio::test]
async fn finding_12_rejections_do_not_echo_input_as_text() {
    let t = app(None).await;
    let cookie = office(&t, "editor1", Role::Editor, "mm_session").await;
    let r = req(&t, "GET", "/admin/events/%3Cscript%3Ealert(1)%3C%2Fscript%3E", &[("cookie", &cookie)], "").await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(header(&r, "content-type").starts_with("text/html"), "{:?}", header(&r, "content-type"));
    assert!(!r.text().contains("<script>alert"), "{}", r.text());
    // The language switch without its parameter: our page, not axum's text.
    let r = req(&t, "GET", "/admin/lang", &[], "").await;
    assert!(!header(&r, "content-type").starts_with("text/plain"), "{} {:?}", r.status, r.text());
    // A form that is too large: a page in the back office, JSON in the API.
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = req(&t, "POST", "/admin/login", &form, &"x".repeat(2 << 20)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(header(&r, "content-type").starts_with("text/html"), "{:?}", header(&r, "content-type"));
    let r = req(&t, "POST", "/api/v1/photos", &[("content-type", "image/png")], &"x".repeat(11 << 20)).await;
    assert!(r.status.is_client_error());
    assert!(header(&r, "content-type").starts_with("application/json"), "{} {:?}", r.status, header(&r, "content-type"));
}

#[tokio::test]
async fn finding_20_open311_absolute_urls_come_from_the_public_url() {
    let t = app(Some("https://zgloszenia.gmina.example")).await;
    // A report with a photo, so it has a media_url.
    let dev = req(&t, "POST", "/api/v1/devices", &[("content-type", "application/json")], r#"{"platform":"android","app_version":"1.0.0"}"#).await;
    let token = dev.json()["token"].as_str().unwrap().to_owned();
    let img = image::RgbImage::from_fn(8, 6, |x, y| image::Rgb([x as u8 * 30, y as u8 * 40, 100]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let up = t
        .send(
            Request::builder()
                .method("POST")
                .uri("/api/v1/photos")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "image/png")
                .body(Body::from(png.into_inner()))
                .unwrap(),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let photo = up.json()["photo_id"].as_str().unwrap().to_owned();
    let report = json!({
        "category": "street_lamp", "point": {"lat": 51.0335, "lon": 17.15}, "location_source": "gps",
        "description": "Latarnia nie świeci.", "answers": {"kind": "not_lit"}, "photo_ids": [photo],
    });
    let r = req(
        &t,
        "POST",
        "/api/v1/reports",
        &[("authorization", &format!("Bearer {token}")), ("idempotency-key", &uuid::Uuid::new_v4().to_string()), ("content-type", "application/json")],
        &report.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let spoof = [("host", "evil.example"), ("x-forwarded-proto", "http"), ("x-forwarded-host", "evil.example")];
    let list = req(&t, "GET", "/open311/v2/requests.json", &spoof, "").await;
    let media = list.json()[0]["media_url"].as_str().unwrap_or_default().to_owned();
    assert!(media.starts_with("https://zgloszenia.gmina.example/api/v1/photos/"), "media_url {media:?}");
    let xml = req(&t, "GET", "/open311/v2/requests.xml", &spoof, "").await;
    assert!(xml.text().contains("https://zgloszenia.gmina.example/api/v1/photos/") && !xml.text().contains("evil"));
    let disc = req(&t, "GET", "/open311/discovery.json", &spoof, "").await;
    let url = disc.json()["endpoints"][0]["url"].as_str().unwrap_or_default().to_owned();
    assert_eq!(url, "https://zgloszenia.gmina.example/open311/v2");
}

#[tokio::test]
async fn finding_22_inline_json_cannot_leave_its_script_element() {
    let t = app(None).await;
    let evil = "<!--<script>x</script><img src=x onerror=alert(1)> & \u{2028}";
    let mut cat = t.store.report_categories().await.unwrap().into_iter().find(|c| c.id == "street_lamp").unwrap();
    cat.name_pl = evil.to_owned();
    t.store.update_report_category(mm_server::store::Actor("test".into()), cat, t.state.clock.now()).await.unwrap();
    resident_report(&t, &[]).await;

    let cookie = office(&t, "disp1", Role::Dispatcher, "mm_session").await;
    let html = req(&t, "GET", "/admin/map", &[("cookie", &cookie)], "").await.text();
    let start = html.find(r#"<script type="application/json" id="map-data">"#).expect("the map data") + 46;
    let data = &html[start..start + html[start..].find("</script>").unwrap()];
    for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
        assert!(!data.contains(bad), "{bad:?} raw in the inline JSON: {data}");
    }
    // Still the same data once parsed (the browser's JSON.parse does this).
    let parsed: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(parsed["categories"][0], evil);
    // The rest of the page is still HTML: the table after the map is there.
    assert!(html[start..].contains("<table>"), "the page after the JSON was swallowed");
}

#[tokio::test]
async fn finding_23_session_cookie_is_secure_with_host_prefix_under_an_https_public_url() {
    let t = app(Some("https://zgloszenia.gmina.example")).await;
    // No X-Forwarded-Proto at all: the public URL alone decides.
    let form = req(&t, "GET", "/admin/login", &[], "").await;
    let pre = set_cookie(&form, "__Host-mm_login_csrf").expect("a __Host- sign-in CSRF cookie");
    assert!(pre.contains("; Secure") && pre.contains("Path=/") && !pre.contains("Domain"), "{pre}");
    let cookie = office(&t, "disp1", Role::Dispatcher, "__Host-mm_session").await;
    let r = req(&t, "GET", "/admin/reports", &[("cookie", &cookie)], "").await;
    assert_eq!(r.status, StatusCode::OK, "the __Host- session cookie signs in");
    // The plain name is not accepted over https (a sibling subdomain could set it).
    let plain = cookie.replacen("__Host-", "", 1);
    assert_eq!(req(&t, "GET", "/admin/reports", &[("cookie", &plain)], "").await.status, StatusCode::SEE_OTHER);

    // Over plain http: plain names, so local use works, whatever a proxy says.
    let t = app(None).await;
    t.add_user("disp1", Role::Dispatcher, PASS).await;
    let form = req(&t, "GET", "/admin/login", &[("x-forwarded-proto", "https")], "").await;
    let pre = set_cookie(&form, "mm_login_csrf").expect("a plain sign-in CSRF cookie");
    assert!(!pre.contains("Secure"), "{pre}");
}

#[tokio::test]
async fn finding_28_lang_switch_answers_a_local_redirect_for_any_back_value() {
    let t = app(None).await;
    for back in [
        "/admin%0d%0aX-Injected:%201",
        "/admin%0aSet-Cookie:%20x=1",
        "/admin/reports%00",
        "/admin/zg%C5%82oszenia",
        "/admin/reports?q=%C5%BC%C3%B3%C5%82w",
        "//evil.example",
        "https://evil.example",
        "/%5Cevil.example",
        "/admin/%5C%5Cevil.example",
        "/admin.evil.example",
        "/admin/../..//evil.example",
        "%E2%80%AE",
        "",
    ] {
        let r = req(&t, "GET", &format!("/admin/lang?to=en&back={back}"), &[], "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "back={back}: {} {}", r.status, r.text());
        let loc = header(&r, "location");
        assert!(loc.starts_with('/') && !loc.starts_with("//") && !loc.contains('\\'), "back={back}: Location {loc:?}");
        assert!(loc.starts_with("/admin") || loc.starts_with("/transparency"), "back={back}: Location {loc:?}");
        assert!(loc.bytes().all(|b| b.is_ascii_graphic()), "back={back}: Location {loc:?}");
        assert!(r.headers.get("x-injected").is_none());
    }
    // A good local page still comes back as it was.
    let r = req(&t, "GET", "/admin/lang?to=en&back=/admin/reports", &[], "").await;
    assert_eq!(header(&r, "location"), "/admin/reports");
}
