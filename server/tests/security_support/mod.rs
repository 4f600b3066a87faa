//! Helpers of the security review's test files (security_integrity.rs,
//! security_privacy.rs): back-office sign-in through the real form, a
//! browser's view of a form, devices and reports, xmllint.
#![allow(dead_code)]

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mm_protocol::auth::Role;
use mm_server::reports::ratelimit::Limits;
use serde_json::{Value, json};

use crate::common::{Resp, TestApp};

pub const PASS: &str = "hasło-testowe-1";

pub async fn app() -> TestApp {
    let t = TestApp::new().await;
    mm_server::demo::load(t.store.as_ref(), t.state.clock.now()).await.unwrap();
    t.state.limits.configure(Limits { device_per_hour: 10_000, ip_per_hour: 10_000 });
    t
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn form_post(t: &TestApp, uri: &str, cookie: &str, body: &str) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.send(req).await
}

pub async fn page_get(t: &TestApp, uri: &str, cookie: &str) -> Resp {
    let req = Request::builder().uri(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    t.send(req).await
}

pub fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_owned()))
        .filter(|v| !v.is_empty())
}

/// A new official of `role` signed in through the back office's own form;
/// returns the `Cookie` header and the CSRF token of their forms.
pub async fn staff(t: &TestApp, role: Role) -> (String, String) {
    let login = format!("{}-{}", role.as_str(), uuid::Uuid::new_v4().simple());
    t.add_user(&login, role, PASS).await;
    sign_in(t, &login).await
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

pub fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

/// What a browser would submit for the form posting to `action`, left as
/// the page shows it: text inputs and hidden fields, checked boxes,
/// textareas and the selected option of each select.
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("a form posting to {action}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            let name = attr(tag, "name");
            let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = name {
                if kind == "checkbox" {
                    if tag.contains(" checked") {
                        out.push((name, attr(tag, "value").unwrap_or_else(|| "on".into())));
                    }
                } else {
                    out.push((name, attr(tag, "value").unwrap_or_default()));
                }
            }
        } else if tag.starts_with("<textarea") {
            let close = rest.find("</textarea>").unwrap();
            out.push((attr(tag, "name").unwrap(), unescape(&rest[end + 1..close])));
        } else if tag.starts_with("<select") {
            let close = rest.find("</select>").unwrap();
            let options = &rest[end + 1..close];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .and_then(|o| attr(&format!(" {o}"), "value"))
                .unwrap_or_default();
            out.push((attr(tag, "name").unwrap(), chosen));
        }
        rest = &rest[1..];
    }
    out
}

pub fn encode_form(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

pub async fn device(t: &TestApp) -> String {
    let r = t.call("POST", "/api/v1/devices", None, Some(json!({"platform": "android", "app_version": "1.0.0"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

pub fn lamp(description: &str) -> Value {
    json!({
        "category": "street_lamp",
        "point": {"lat": 51.0335, "lon": 17.15},
        "description": description,
        "answers": {"kind": "not_lit"},
    })
}

pub async fn post_report(t: &TestApp, token: &str, body: &Value) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/reports")
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", uuid::Uuid::new_v4().to_string())
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

pub async fn new_report(t: &TestApp, token: &str, description: &str) -> i64 {
    let r = post_report(t, token, &lamp(description)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_i64().unwrap()
}

pub fn xmllint_available() -> bool {
    if Command::new("xmllint").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var("CI").is_err(), "xmllint (libxml2-utils) is required under CI");
    eprintln!("skipping the xmllint checks: xmllint is not installed (apt-get install libxml2-utils)");
    false
}

/// `xmllint --noout [--schema xsd] file`: Ok, or libxml2's complaint.
pub fn xmllint(file: &std::path::Path, schema: Option<&std::path::Path>) -> Result<(), String> {
    let mut c = Command::new("xmllint");
    c.arg("--noout");
    if let Some(s) = schema {
        c.arg("--schema").arg(s);
    }
    let out = c.arg(file).output().unwrap();
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}


/// A `department` official of department `dept` (or of none), signed in
/// through the back office: (cookie, CSRF token).
pub async fn department_official(t: &TestApp, dept: Option<i64>) -> (String, String) {
    use mm_server::store::Actor;
    let login = format!("department-{}", uuid::Uuid::new_v4().simple());
    t.add_user(&login, Role::Department, PASS).await;
    t.store.set_user_department(Actor("test".into()), &login, dept, t.state.clock.now()).await.unwrap();
    sign_in(t, &login).await
}

/// Signs `login` in through the back office's form: (cookie, CSRF token).
pub async fn sign_in(t: &TestApp, login: &str) -> (String, String) {
    let r = page_get(t, "/admin/login", "").await;
    let pre = set_cookie(&r, "mm_login_csrf").expect("the sign-in form sets its CSRF cookie");
    let r = form_post(t, "/admin/login", &format!("mm_login_csrf={pre}"), &format!("csrf={pre}&login={}&password={}", enc(login), enc(PASS))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{login} signs in: {}", r.text());
    let cookie = format!("mm_session={}", set_cookie(&r, "mm_session").expect("a session cookie"));
    if r.headers.get(header::LOCATION).is_some_and(|l| l == "/admin/login/code") {
        // An admin (enrolled by `add_user`): the code step.
        t.answer_code(&cookie, login).await;
    }
    let page = page_get(t, "/admin/password", &cookie).await.text();
    let i = page.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    (cookie, page[i..i + 64].to_owned())
}

/// A small real PNG, different per `seed`.
pub fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(48, 32, |x, y| image::Rgb([x as u8 ^ seed, y as u8, seed]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads a photo as the device; its id.
pub async fn upload_photo(t: &TestApp, token: &str, bytes: Vec<u8>) -> String {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/photos")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/png")
        .body(Body::from(bytes))
        .unwrap();
    let r = t.send(req).await;
    assert!(r.status.is_success(), "{}", r.text());
    r.json()["photo_id"].as_str().unwrap().to_owned()
}
