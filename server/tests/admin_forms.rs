//! The admins' forms (categories, accounts, settings) and assigning a
//! report to a person, through the router in-process: roles on every page
//! and post, CSRF, and that a form's change reaches the API, the sync feed,
//! sign-in and the audit log.

use crate::common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use mm_protocol::auth::Role;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::NewReport;
use mm_server::state::AppState;
use mm_server::store::{Actor, NewReportRecord, Store};
use tower::ServiceExt;

const PASS: &str = "correct horse battery";

/// The app, its store, and what keeps the store's data for the test.
async fn app() -> (axum::Router, Arc<dyn Store>, (tempfile::TempDir, common::backend::StoreGuard)) {
    let dir = tempfile::tempdir().unwrap();
    let (store, guard) = common::backend::open_store(dir.path()).await;
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    for (l, r) in [
        ("admin1", Role::Admin),
        ("disp1", Role::Dispatcher),
        ("dept1", Role::Department),
        ("dept2", Role::Department),
        ("ed1", Role::Editor),
    ] {
        store.create_user(Actor("test".into()), l, r, &hash).await.unwrap();
    }
    let roads = store.create_department(Actor("test".into()), "Drogi", Utc::now()).await.unwrap();
    let green = store.create_department(Actor("test".into()), "Zieleń", Utc::now()).await.unwrap();
    store.set_user_department(Actor("test".into()), "dept1", Some(roads.id), Utc::now()).await.unwrap();
    store.set_user_department(Actor("test".into()), "dept2", Some(green.id), Utc::now()).await.unwrap();
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

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Signs in; returns the session cookie header, or None when refused.
async fn login(app: &axum::Router, login: &str, pass: &str) -> Option<String> {
    let (_, c, _) = send(app, "GET", "/admin/login", "", "").await;
    let pre = cookie_value(&c, "mm_login_csrf").unwrap();
    let (_, c, _) = send(app, "POST", "/admin/login", &format!("mm_login_csrf={pre}"), &format!("csrf={pre}&login={}&password={}", enc(login), enc(pass))).await;
    let cookie = cookie_value(&c, "mm_session").filter(|v| !v.is_empty()).map(|t| format!("mm_session={t}"))?;
    if login == "admin1" {
        second_factor(app, &cookie, login).await;
    }
    Some(cookie)
}

/// The code step of an admin's sign-in (`common::enrol_admin`).
async fn second_factor(app: &axum::Router, cookie: &str, login: &str) {
    let csrf = mm_server::admin::session::csrf_for(cookie.trim_start_matches("mm_session="));
    let (s, _, body) = send(app, "POST", "/admin/login/code", cookie, &format!("csrf={csrf}&code={}", common::admin_code(login, Utc::now()))).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{login}'s code: {body}");
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    html[i..i + 64].to_owned()
}

/// A session cookie and its CSRF token.
async fn staff(app: &axum::Router, who: &str) -> (String, String) {
    let ck = login(app, who, PASS).await.unwrap_or_else(|| panic!("{who} signs in"));
    let (_, _, page) = send(app, "GET", "/admin/password", &ck, "").await;
    let csrf = csrf_of(&page);
    (ck, csrf)
}

async fn new_report(store: &dyn Store, description: &str) -> i64 {
    let input = NewReport {
        category: "street_lamp".into(),
        point: GeoPoint { lat: 51.0335, lon: 17.15 },
        location_source: Default::default(),
        accuracy_m: None,
        address: None,
        description: description.into(),
        answers: [("kind".to_owned(), "not_lit".to_owned())].into_iter().collect(),
        photo_ids: vec![],
        contact: None,
    };
    match store
        .create_report(NewReportRecord { device_id: None, idempotency: None, input, now: Utc::now() })
        .await
        .unwrap()
    {
        mm_server::store::Created::New(r) => r.id,
        other => panic!("{other:?}"),
    }
}

const NEW_PAGES: &[&str] = &[
    "/admin/categories",
    "/admin/categories/new",
    "/admin/categories/street_lamp",
    "/admin/event-categories/kultura",
    "/admin/accounts",
    "/admin/accounts/1",
    "/admin/settings",
];

const NEW_POSTS: &[(&str, &str)] = &[
    ("/admin/categories", "id=zz&name_pl=A&name_en=A&active=1"),
    ("/admin/categories/street_lamp", "name_pl=A&name_en=A&active=1"),
    ("/admin/event-categories", "id=zz&name_pl=A&name_en=A"),
    ("/admin/event-categories/kultura", "name_pl=A&name_en=A"),
    ("/admin/accounts", "login=evil&role=admin&password=zielone-drzewo-12&repeat=zielone-drzewo-12"),
    ("/admin/accounts/1", "role=editor"),
    ("/admin/accounts/1/password", "password=zielone-drzewo-12&repeat=zielone-drzewo-12"),
    ("/admin/accounts/1/disable", "disabled=1"),
    ("/admin/accounts/1/delete", "confirm=1"),
    ("/admin/settings", "tile_url=https%3A%2F%2Fevil.example%2F%7Bz%7D%2F%7Bx%7D%2F%7By%7D.png"),
];

#[tokio::test]
async fn non_admins_get_403_on_every_new_page_and_post() {
    let (app, store, _d) = app().await;
    let audit_before = store.list_audit(10_000).await.unwrap().len();
    for who in ["disp1", "dept1", "ed1"] {
        let (ck, csrf) = staff(&app, who).await;
        for p in NEW_PAGES {
            assert_eq!(send(&app, "GET", p, &ck, "").await.0, StatusCode::FORBIDDEN, "{who} GET {p}");
        }
        for (p, body) in NEW_POSTS {
            let (s, _, _) = send(&app, "POST", p, &ck, &format!("csrf={csrf}&{body}")).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{who} POST {p}");
        }
    }
    // An editor may not assign a person; a department official may not
    // touch another department's report.
    let id = new_report(store.as_ref(), "Latarnia nie świeci").await;
    let roads = store.list_departments().await.unwrap().into_iter().find(|d| d.name == "Drogi").unwrap();
    store.assign_report(Actor("test".into()), id, Some(roads.id), None, Utc::now()).await.unwrap();
    let (ck, csrf) = staff(&app, "ed1").await;
    assert_eq!(send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, &format!("csrf={csrf}&assignee=")).await.0, StatusCode::FORBIDDEN);
    let (ck, csrf) = staff(&app, "dept2").await;
    assert_eq!(send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, &format!("csrf={csrf}&assignee=")).await.0, StatusCode::FORBIDDEN);
    // Nothing the refused requests tried was written (only sign-ins and the setup).
    let after = store.list_audit(10_000).await.unwrap();
    let written: Vec<_> = after
        .iter()
        .take(after.len() - audit_before)
        .filter(|a| ["disp1", "dept1", "dept2", "ed1"].contains(&a.actor.as_str()) && a.action != "auth.login")
        .map(|a| a.action.clone())
        .collect();
    assert!(written.is_empty(), "{written:?}");
    assert!(store.find_user("evil").await.unwrap().is_none());
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused() {
    let (app, store, _d) = app().await;
    let (ck, _) = staff(&app, "admin1").await;
    for (p, body) in NEW_POSTS {
        assert_eq!(send(&app, "POST", p, &ck, body).await.0, StatusCode::FORBIDDEN, "POST {p} without csrf");
        assert_eq!(send(&app, "POST", p, &ck, &format!("csrf=0000&{body}")).await.0, StatusCode::FORBIDDEN, "POST {p} bad csrf");
    }
    let id = new_report(store.as_ref(), "Latarnia nie świeci").await;
    assert_eq!(send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, "assignee=").await.0, StatusCode::FORBIDDEN);
    assert!(store.find_user("evil").await.unwrap().is_none());
    let cats = store.report_categories().await.unwrap();
    assert!(!cats.iter().any(|c| c.id == "zz"));
}

#[tokio::test]
async fn a_category_made_in_the_form_is_in_the_api_and_the_sync_feed() {
    let (app, _store, _d) = app().await;
    let (ck, csrf) = staff(&app, "admin1").await;
    let (s, _, page) = send(&app, "GET", "/admin/categories/new", &ck, "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(r#"<label for="q0_values">"#), "question slots are labelled");
    let body = [
        ("csrf", csrf.as_str()),
        ("id", "bench"),
        ("name_pl", "Zniszczona ławka"),
        ("name_en", "Broken bench"),
        ("description_pl", "Ławki w parkach i na przystankach"),
        ("description_en", "Benches in parks and at stops"),
        ("target_hours", "72"),
        ("active", "1"),
        ("q0_code", "damage"),
        ("q0_label_pl", "Co się stało?"),
        ("q0_label_en", "What happened?"),
        ("q0_type", "single_choice"),
        ("q0_required", "1"),
        ("q0_values", "broken | Złamana | Broken\r\npainted | Pomalowana | Painted"),
        ("q1_code", "number"),
        ("q1_label_pl", "Numer ławki"),
        ("q1_label_en", "Bench number"),
        ("q1_type", "number"),
        ("q2_code", ""),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", enc(v)))
    .collect::<Vec<_>>()
    .join("&");
    let (s, _, _) = send(&app, "POST", "/admin/categories", &ck, &body).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let (s, _, json) = send(&app, "GET", "/api/v1/report-categories", "", "").await;
    assert_eq!(s, StatusCode::OK);
    let cats: serde_json::Value = serde_json::from_str(&json).unwrap();
    let bench = cats.as_array().unwrap().iter().find(|c| c["id"] == "bench").expect("bench in the API");
    assert_eq!(bench["name_en"], "Broken bench");
    assert_eq!(bench["target_hours"], 72);
    assert_eq!(bench["active"], true);
    assert_eq!(bench["attributes"][0]["datatype"], "single_choice");
    assert_eq!(bench["attributes"][0]["required"], true);
    assert_eq!(bench["attributes"][0]["values"][1]["key"], "painted");
    assert_eq!(bench["attributes"][0]["values"][1]["name_pl"], "Pomalowana");
    assert_eq!(bench["attributes"][1]["datatype"], "number");
    assert_eq!(bench["attributes"].as_array().unwrap().len(), 2);

    let (s, _, feed) = send(&app, "GET", "/api/v1/sync?cursor=0&limit=1000", "", "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(feed.contains("Zniszczona ławka"), "the sync feed carries the new category");

    // Editing: deactivate it and drop the number question.
    let (_, _, page) = send(&app, "GET", "/admin/categories/bench", &ck, "").await;
    assert!(page.contains("Złamana"));
    let edit = [
        ("csrf", csrf.as_str()),
        ("name_pl", "Zniszczona ławka"),
        ("name_en", "Broken bench"),
        ("q0_code", "damage"),
        ("q0_label_pl", "Co się stało?"),
        ("q0_label_en", "What happened?"),
        ("q0_type", "single_choice"),
        ("q0_values", "broken | Złamana | Broken"),
        ("q1_code", "number"),
        ("q1_label_pl", "Numer"),
        ("q1_label_en", "Number"),
        ("q1_remove", "1"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", enc(v)))
    .collect::<Vec<_>>()
    .join("&");
    assert_eq!(send(&app, "POST", "/admin/categories/bench", &ck, &edit).await.0, StatusCode::SEE_OTHER);
    let (_, _, json) = send(&app, "GET", "/api/v1/report-categories", "", "").await;
    let cats: serde_json::Value = serde_json::from_str(&json).unwrap();
    let bench = cats.as_array().unwrap().iter().find(|c| c["id"] == "bench").unwrap();
    assert_eq!(bench["active"], false);
    assert_eq!(bench["attributes"].as_array().unwrap().len(), 1);

    // A single choice without values is refused by the API's own check.
    let bad = format!("csrf={csrf}&id=bad&name_pl=A&name_en=A&q0_code=k&q0_label_pl=P&q0_label_en=Q&q0_type=single_choice");
    let (s, _, page) = send(&app, "POST", "/admin/categories", &ck, &bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("role=\"alert\""));

    // Event categories: create and rename, both in the sync feed.
    let (s, _, _) = send(&app, "POST", "/admin/event-categories", &ck, &format!("csrf={csrf}&id=seniorzy&name_pl=Seniorzy&name_en=Seniors")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(&app, "POST", "/admin/event-categories/seniorzy", &ck, &format!("csrf={csrf}&name_pl={}&name_en=Senior+citizens", enc("Dla seniorów"))).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, json) = send(&app, "GET", "/api/v1/event-categories", "", "").await;
    assert!(json.contains("Dla seniorów") && json.contains("Senior citizens"), "{json}");
    let (_, _, feed) = send(&app, "GET", "/api/v1/sync?cursor=0&limit=1000", "", "").await;
    assert!(feed.contains("Dla seniorów"));
}

#[tokio::test]
async fn an_account_made_in_the_form_signs_in_with_its_role_and_every_change_is_audited() {
    let (app, store, _d) = app().await;
    let (ck, csrf) = staff(&app, "admin1").await;
    let roads = store.list_departments().await.unwrap().into_iter().find(|d| d.name == "Drogi").unwrap();
    let body = format!("csrf={csrf}&login=jan.kowalski&role=department&department={}&password={}&repeat={}", roads.id, enc("nowe haslo 123"), enc("nowe haslo 123"));
    let (s, _, _) = send(&app, "POST", "/admin/accounts", &ck, &body).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let user = store.find_user("jan.kowalski").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Department);
    assert!(user.password_hash.starts_with("$argon2id$"), "Argon2id");
    assert_eq!(store.user_department(user.id).await.unwrap(), Some(roads.id));

    // The new official signs in and sees the reports (the department role).
    let jan = login(&app, "jan.kowalski", "nowe haslo 123").await.expect("signs in");
    assert_eq!(send(&app, "GET", "/admin/reports", &jan, "").await.0, StatusCode::OK);
    assert_eq!(send(&app, "GET", "/admin/news", &jan, "").await.0, StatusCode::FORBIDDEN);

    // No page shows a hash.
    for p in ["/admin/accounts".to_owned(), format!("/admin/accounts/{}", user.id), "/admin/audit".to_owned()] {
        let (s, _, page) = send(&app, "GET", &p, &ck, "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!page.contains("$argon2"), "{p} shows a hash");
        assert!(page.contains("jan.kowalski"));
    }

    // Role change applies at once to the live session.
    let (s, _, _) = send(&app, "POST", &format!("/admin/accounts/{}", user.id), &ck, &format!("csrf={csrf}&role=editor&department=")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(send(&app, "GET", "/admin/news", &jan, "").await.0, StatusCode::OK);
    assert_eq!(store.user_department(user.id).await.unwrap(), None);

    // Password reset: the old one stops working.
    let (s, _, _) = send(&app, "POST", &format!("/admin/accounts/{}/password", user.id), &ck, &format!("csrf={csrf}&password=drugie+haslo&repeat=drugie+haslo")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(login(&app, "jan.kowalski", "nowe haslo 123").await.is_none());
    assert!(login(&app, "jan.kowalski", "drugie haslo").await.is_some());

    // Disabling ends the sessions and refuses sign-in; enabling restores it.
    let (s, _, _) = send(&app, "POST", &format!("/admin/accounts/{}/disable", user.id), &ck, &format!("csrf={csrf}&disabled=1")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(send(&app, "GET", "/admin/news", &jan, "").await.0, StatusCode::SEE_OTHER, "session ended");
    assert!(login(&app, "jan.kowalski", "drugie haslo").await.is_none());
    send(&app, "POST", &format!("/admin/accounts/{}/disable", user.id), &ck, &format!("csrf={csrf}&disabled=0")).await;
    assert!(login(&app, "jan.kowalski", "drugie haslo").await.is_some());

    // An admin cannot disable or demote themselves.
    let me = store.find_user("admin1").await.unwrap().unwrap();
    assert_eq!(send(&app, "POST", &format!("/admin/accounts/{}/disable", me.id), &ck, &format!("csrf={csrf}&disabled=1")).await.0, StatusCode::CONFLICT);
    assert_eq!(send(&app, "POST", &format!("/admin/accounts/{}", me.id), &ck, &format!("csrf={csrf}&role=editor&department=")).await.0, StatusCode::CONFLICT);

    // A duplicate login is refused.
    let (s, _, _) = send(&app, "POST", "/admin/accounts", &ck, &format!("csrf={csrf}&login=jan.kowalski&role=editor&password=zielone-drzewo-12&repeat=zielone-drzewo-12")).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Delete.
    let (s, _, _) = send(&app, "POST", &format!("/admin/accounts/{}/delete", user.id), &ck, &format!("csrf={csrf}&confirm=1")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(store.find_user("jan.kowalski").await.unwrap().is_none());

    let actions: Vec<String> = store.list_audit(1000).await.unwrap().into_iter().filter(|a| a.actor == "admin1").map(|a| a.action).collect();
    for want in ["user.add", "user.department", "user.role", "user.password", "user.disable", "user.enable", "user.delete"] {
        assert!(actions.iter().any(|a| a == want), "{want} audited: {actions:?}");
    }
    let audit = serde_json::to_string(&store.list_audit(1000).await.unwrap().iter().map(|a| a.details.clone()).collect::<Vec<_>>()).unwrap();
    assert!(!audit.contains("$argon2"), "no hash in the audit log");
}

#[tokio::test]
async fn assigning_a_person_shows_in_the_detail_the_list_and_the_audit_log() {
    let (app, store, _d) = app().await;
    let id = new_report(store.as_ref(), "Latarnia przy szkole").await;
    let other = new_report(store.as_ref(), "Inna latarnia").await;
    let depts = store.list_departments().await.unwrap();
    let roads = depts.iter().find(|d| d.name == "Drogi").unwrap();
    store.assign_report(Actor("test".into()), id, Some(roads.id), None, Utc::now()).await.unwrap();
    let dept1 = store.find_user("dept1").await.unwrap().unwrap();
    let dept2 = store.find_user("dept2").await.unwrap().unwrap();

    let (ck, csrf) = staff(&app, "disp1").await;
    let (_, _, page) = send(&app, "GET", &format!("/admin/reports/{id}"), &ck, "").await;
    assert!(page.contains(r#"<label for="assignee_id">"#));
    // dept2 belongs to another department: not offered, and refused.
    assert!(page.contains(&format!(r#"value="{}""#, dept1.id)));
    assert!(!page.contains(">dept2<"));
    let (s, _, _) = send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, &format!("csrf={csrf}&assignee={}", dept2.id)).await;
    assert_eq!(s, StatusCode::CONFLICT);

    let (s, _, _) = send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, &format!("csrf={csrf}&assignee={}", dept1.id)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = send(&app, "GET", &format!("/admin/reports/{id}"), &ck, "").await;
    assert!(page.contains(r#"<strong id="assignee">dept1</strong>"#), "detail shows the person");

    let audit = store.list_audit(100).await.unwrap();
    let a = audit.iter().find(|a| a.action == "report.assign_person").expect("audited");
    assert_eq!(a.actor, "disp1");
    assert_eq!(a.entity_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(a.details["to"], dept1.id);
    let (_, _, log) = send(&app, "GET", "/admin/audit", &staff(&app, "admin1").await.0, "").await;
    assert!(log.contains("report.assign_person"));

    // dept1's list, "assigned to me": this report, not the other one.
    let (dk, _) = staff(&app, "dept1").await;
    let (s, _, list) = send(&app, "GET", "/admin/reports?mine=1", &dk, "").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains(&format!(r#"href="/admin/reports/{id}""#)));
    assert!(!list.contains(&format!(r#"href="/admin/reports/{other}""#)));
    assert!(list.contains("<td>dept1</td>"), "the list shows the person");
    let (_, _, list) = send(&app, "GET", "/admin/reports?mine=1", &ck, "").await;
    assert!(!list.contains(&format!(r#"href="/admin/reports/{id}""#)), "not the dispatcher's");

    // Unassigning.
    send(&app, "POST", &format!("/admin/reports/{id}/assign-person"), &ck, &format!("csrf={csrf}&assignee=")).await;
    let (_, _, page) = send(&app, "GET", &format!("/admin/reports/{id}"), &ck, "").await;
    assert!(page.contains(r#"<strong id="assignee">nikogo</strong>"#));
}

#[tokio::test]
async fn the_tile_url_setting_reaches_the_map() {
    let (app, store, _d) = app().await;
    let (ck, csrf) = staff(&app, "admin1").await;
    let url = "https://tiles.example.pl/{z}/{x}/{y}.png";
    let (s, _, _) = send(&app, "POST", "/admin/settings", &ck, &format!("csrf={csrf}&tile_url={}", enc(url))).await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, map) = send(&app, "GET", "/admin/map", &ck, "").await;
    assert!(map.contains(&format!(r#"data-tiles="{url}""#)), "the map uses the stored URL");
    // Not a tile template: refused, nothing stored.
    let (s, _, _) = send(&app, "POST", "/admin/settings", &ck, &format!("csrf={csrf}&tile_url={}", enc("javascript:alert(1)"))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, _, map) = send(&app, "GET", "/admin/map", &ck, "").await;
    assert!(map.contains(url));
    assert!(store.list_audit(100).await.unwrap().iter().any(|a| a.action == "setting.update" && a.actor == "admin1"));
}

/// Open311 keeps the categories in memory (issue 11, step 6); an admin's
/// edit in the form is in its very next answer, in both formats, and a
/// deactivated category leaves the service list at once.
#[tokio::test]
async fn a_category_edited_in_the_form_is_in_the_next_open311_answer() {
    let (app, store, _d) = app().await;
    let id = new_report(store.as_ref(), "Latarnia nie świeci").await;
    let (ck, csrf) = staff(&app, "admin1").await;
    let service_name = |json: &str, code: &str| -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v.as_array()?.iter().find(|s| s["service_code"] == code).map(|s| s["service_name"].as_str().unwrap().to_owned())
    };
    // Read once, so the cache holds the old names.
    let (_, _, services) = send(&app, "GET", "/open311/v2/services.json", "", "").await;
    assert_eq!(service_name(&services, "street_lamp").as_deref(), Some("Awaria latarni"));
    let (_, _, requests) = send(&app, "GET", &format!("/open311/v2/requests/{id}.json"), "", "").await;
    assert_eq!(service_name(&requests, "street_lamp").as_deref(), Some("Awaria latarni"));
    let (s, _, _) = send(&app, "GET", "/open311/v2/services/street_lamp.json", "", "").await;
    assert_eq!(s, StatusCode::OK);

    let edit = |active: bool| {
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("name_pl", "Oświetlenie uliczne"),
            ("name_en", "Street lighting"),
            ("target_hours", "72"),
        ];
        if active {
            fields.push(("active", "1"));
        }
        fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
    };
    assert_eq!(send(&app, "POST", "/admin/categories/street_lamp", &ck, &edit(true)).await.0, StatusCode::SEE_OTHER);
    let (_, _, services) = send(&app, "GET", "/open311/v2/services.json", "", "").await;
    assert_eq!(service_name(&services, "street_lamp").as_deref(), Some("Oświetlenie uliczne"));
    let (_, _, xml) = send(&app, "GET", "/open311/v2/services.xml", "", "").await;
    assert!(xml.contains("<service_name>Oświetlenie uliczne</service_name>"), "{xml}");
    assert!(!xml.contains("Awaria latarni"), "{xml}");
    let (_, _, requests) = send(&app, "GET", &format!("/open311/v2/requests/{id}.json"), "", "").await;
    assert_eq!(service_name(&requests, "street_lamp").as_deref(), Some("Oświetlenie uliczne"));
    let (_, _, requests) = send(&app, "GET", "/open311/v2/requests.xml", "", "").await;
    assert!(requests.contains("<service_name>Oświetlenie uliczne</service_name>"), "{requests}");

    assert_eq!(send(&app, "POST", "/admin/categories/street_lamp", &ck, &edit(false)).await.0, StatusCode::SEE_OTHER);
    let (_, _, services) = send(&app, "GET", "/open311/v2/services.json", "", "").await;
    assert_eq!(service_name(&services, "street_lamp"), None, "{services}");
    let (s, _, _) = send(&app, "GET", "/open311/v2/services/street_lamp.json", "", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// One password policy (`auth::password_policy::check_new`) wherever a
/// password is set: the new-account form, an admin's reset, the official's
/// own change and `mm-server user add`. Too short or too long is refused in
/// the policy's words and changes nothing.
#[tokio::test]
async fn every_place_that_sets_a_password_refuses_one_the_rule_refuses() {
    const SHORT_PL: &str = "Hasło musi mieć co najmniej 12 znaków.";
    let (app, store, (dir, guard)) = app().await;
    let (ck, csrf) = staff(&app, "admin1").await;
    let long = "a".repeat(129);
    for bad in ["krótkie", long.as_str()] {
        let p = enc(bad);
        let (s, _, page) = send(&app, "POST", "/admin/accounts", &ck, &format!("csrf={csrf}&login=nowy&role=editor&password={p}&repeat={p}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "new account");
        assert!(page.contains(if bad.len() > 128 { "najwyżej 128 znaków" } else { SHORT_PL }), "{page}");
        assert!(store.find_user("nowy").await.unwrap().is_none());

        let ed = store.find_user("ed1").await.unwrap().unwrap();
        let (s, _, _) = send(&app, "POST", &format!("/admin/accounts/{}/password", ed.id), &ck, &format!("csrf={csrf}&password={p}&repeat={p}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "an admin's reset");
        assert_eq!(store.find_user("ed1").await.unwrap().unwrap().password_hash, ed.password_hash);

        let (s, _, page) = send(&app, "POST", "/admin/password", &ck, &format!("csrf={csrf}&current={}&new={p}&repeat={p}", enc(PASS))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "own change");
        assert!(page.contains(if bad.len() > 128 { "najwyżej 128 znaków" } else { SHORT_PL }), "{page}");
    }
    assert!(login(&app, "admin1", PASS).await.is_some(), "the password is unchanged");

    // The command line, the same rule in both languages.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mm-server"));
    guard.point_at_database(&mut command);
    let mut child = command
        .args(["user", "add", "--login", "cli.user", "--role", "editor", "--password-stdin", "--data-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "krótkie").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(SHORT_PL) && stderr.contains("The password needs at least 12 characters."), "{stderr}");
    assert!(store.find_user("cli.user").await.unwrap().is_none());
}

/// The reports export (docs/SECURITY.md, "Probes of the second batch"): a
/// resident's text that a spreadsheet would run as a formula is defused
/// the way the consultations' and the budget's exports defuse it, also
/// behind a tab, a space or in full-width form (OWASP "CSV Injection").
#[tokio::test]
async fn the_reports_csv_defuses_every_formula_form() {
    let (app, store, _d) = app().await;
    let texts = [
        "=HYPERLINK(\"http://x\",\"lampa\")",
        "\t=1+1 lampa nie świeci",
        "  +1+1 lampa nie świeci",
        "＝1+1 lampa nie świeci",
        "@SUM(A1) lampa nie świeci",
        "-2+3 lampa nie świeci",
        "zwykły opis: lampa nie świeci",
    ];
    for t in texts {
        new_report(store.as_ref(), t).await;
    }
    let (ck, _) = staff(&app, "disp1").await;
    let (status, _, csv) = send(&app, "GET", "/admin/reports.csv", &ck, "").await;
    assert_eq!(status, StatusCode::OK);
    let cells: Vec<&str> = csv.lines().skip(1).map(|l| l.split(",\"").nth(4).expect("the description")).collect();
    assert_eq!(cells.len(), texts.len(), "{csv}");
    for cell in cells {
        let first = cell.chars().next().unwrap();
        assert!(first == '\'' || cell.starts_with("zwykły"), "a live formula in {cell:?}");
    }
}

/// The map's inline data: `{statuses, categories, points: [[id, lat, lon,
/// status, category, overdue], ...]}`.
fn map_data(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/json" id="map-data">"#;
    let start = html.find(open).expect("the map data") + open.len();
    serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap()
}

fn table_rows(html: &str) -> usize {
    html.matches(r#"<tr><td><a href="/admin/reports/"#).count()
}

/// The map draws every report the filters find as a short marker (no
/// description), its table shows them 50 at a time, a department's
/// official sees only the department's, and past 2,000 it says so.
#[tokio::test]
async fn the_map_draws_compact_markers_with_a_paged_table_within_the_officials_reach() {
    let (app, store, _d) = app().await;
    let mut ids = Vec::new();
    for i in 0..120 {
        ids.push(new_report(store.as_ref(), &format!("opis-niejawny-{i}")).await);
    }
    let roads = store.list_departments().await.unwrap().into_iter().find(|d| d.name == "Drogi").unwrap();
    let theirs: Vec<i64> = ids.iter().copied().step_by(17).collect();
    for id in &theirs {
        store.assign_report(Actor("test".into()), *id, Some(roads.id), None, Utc::now()).await.unwrap();
    }

    let (ck, _) = staff(&app, "disp1").await;
    let (s, _, html) = send(&app, "GET", "/admin/map", &ck, "").await;
    assert_eq!(s, StatusCode::OK);
    let data = map_data(&html);
    let points = data["points"].as_array().unwrap();
    assert_eq!(points.len(), 120);
    // Newest first, as the list; each label once, indexed.
    let got: Vec<i64> = points.iter().map(|p| p[0].as_i64().unwrap()).collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(got, newest_first);
    assert_eq!(points[0][1], 51.0335);
    assert_eq!(points[0][2], 17.15);
    assert_eq!(data["statuses"][points[0][3].as_u64().unwrap() as usize], "Nowe");
    assert_eq!(data["categories"].as_array().unwrap().len(), 1);
    assert_eq!(points[0][5], 0, "a report of a minute ago is not overdue");
    assert!(!html.contains("opis-niejawny"), "the map carries no description");
    assert!(html.contains("Na mapie: 120") && !html.contains("Zawęź filtry"));

    // The table: 50 rows a page, in the map's order; past the last, the last.
    assert_eq!(table_rows(&html), 50);
    assert!(html.contains("strona 1 / 3"));
    assert!(html.contains(&format!(r#"href="/admin/reports/{}""#, newest_first[0])));
    assert!(html.contains("/admin/map?") && html.contains("page=2\" rel=\"next\""));
    let (_, _, p3) = send(&app, "GET", "/admin/map?page=3", &ck, "").await;
    assert_eq!(table_rows(&p3), 20);
    assert!(p3.contains(&format!(r#"href="/admin/reports/{}""#, ids[0])) && p3.contains("rel=\"prev\""));
    let (s, _, past) = send(&app, "GET", "/admin/map?page=99", &ck, "").await;
    assert_eq!((s, table_rows(&past)), (StatusCode::OK, 20));
    let (s, _, junk) = send(&app, "GET", "/admin/map?page=-1&sort=%00&status=bogus", &ck, "").await;
    assert_eq!((s, table_rows(&junk)), (StatusCode::OK, 50));

    // The filters narrow the map as they narrow the list.
    let (_, _, mine) = send(&app, "GET", &format!("/admin/map?department={}", roads.id), &ck, "").await;
    let found: Vec<i64> = map_data(&mine)["points"].as_array().unwrap().iter().map(|p| p[0].as_i64().unwrap()).collect();
    assert_eq!(found.len(), theirs.len());
    assert!(found.iter().all(|id| theirs.contains(id)));
    assert!(!mine.contains("class=\"pages\""), "one page: no paging");

    // A department's official: only their department's, whatever they ask.
    let (ck1, _) = staff(&app, "dept1").await;
    for uri in ["/admin/map", "/admin/map?department=", "/admin/map?department=none"] {
        let (_, _, html) = send(&app, "GET", uri, &ck1, "").await;
        assert_eq!(map_data(&html)["points"].as_array().unwrap().len(), theirs.len(), "{uri}");
    }
    let (ck2, _) = staff(&app, "dept2").await;
    let (_, _, html) = send(&app, "GET", "/admin/map", &ck2, "").await;
    assert!(map_data(&html)["points"].as_array().unwrap().is_empty());
    assert_eq!(table_rows(&html), 0);
    let (ed, _) = staff(&app, "ed1").await;
    assert_eq!(send(&app, "GET", "/admin/map", &ed, "").await.0, StatusCode::FORBIDDEN);

    // More than the map draws: the newest 2,000, and the page says so.
    for i in 120..2001 {
        new_report(store.as_ref(), &format!("latarnia nr {i}")).await;
    }
    let (_, _, html) = send(&app, "GET", "/admin/map", &ck, "").await;
    let points = map_data(&html)["points"].as_array().unwrap().len();
    assert_eq!(points, 2000);
    assert!(html.contains("Na mapie: 2000") && html.contains("Zawęź filtry"));
    assert!(html.contains("strona 1 / 40"));
}
