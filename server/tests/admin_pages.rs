//! The back office on templates (issue 11, step 3), through the router
//! in-process: hostile text renders inert on every page, a failing store
//! is an error page (never an empty list or a 404), the report page is a
//! dispatcher's tool (photos, pin map, case reference, EZD state, the next
//! report), the maps draw the gmina with OpenStreetMap's tiles allowed by
//! the CSP, and `/transparency` draws its charts over the same numbers as
//! its tables.

use crate::common;
use crate::security_support;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use mm_protocol::auth::Role;
use mm_protocol::reports::{ReportStatus, StatusChangeRequest};
use mm_server::store::{Actor, NewReportRecord};
use security_support::*;
use serde_json::json;

const SCRIPT: &str = "<script>alert(1)</script><img src=x onerror=alert(1)>";

/// Every page an admin can open, for a report `id` and a news item `news`.
fn pages(id: i64, news: i64) -> Vec<String> {
    [
        "/admin/reports",
        "/admin/reports?q=alert",
        "/admin/map",
        "/admin/news",
        "/admin/events",
        "/admin/audit",
        "/admin/categories",
        "/admin/accounts",
        "/admin/departments",
        "/admin/settings",
        "/transparency",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([format!("/admin/reports/{id}"), format!("/admin/news/{news}")])
    .collect()
}

#[tokio::test]
async fn hostile_text_and_javascript_urls_render_inert_on_every_page() {
    let t = app().await;
    let token = device(&t).await;
    let mut body = lamp(SCRIPT);
    body["address"] = json!("\"><svg onload=alert(2)>");
    body["contact"] = json!({"name": "<b onmouseover=alert(3)>Jan</b>"});
    let r = post_report(&t, &token, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let editor = t.official(Role::Editor).await;
    let news = t
        .call(
            "POST",
            "/api/v1/news",
            Some(&editor),
            Some(json!({"title": "<script>alert(4)</script>Komunikat", "body": "Szczegóły: <a href=\"javascript:alert(5)\">kliknij</a> [link](javascript:alert(6))"})),
        )
        .await;
    assert_eq!(news.status, StatusCode::CREATED, "{}", news.text());
    let news = news.json()["id"].as_i64().unwrap();
    // A department named by an admin and a reply by an official, both hostile too.
    t.store.create_department(Actor("test".into()), "<i onclick=alert(7)>Drogi</i>", Utc::now()).await.unwrap();
    let change = StatusChangeRequest { status: ReportStatus::Accepted, public_reply: Some(SCRIPT.into()), internal_note: Some(SCRIPT.into()), duplicate_of: None };
    t.store.change_report_status(Actor("<script>x</script>".into()), id, change, Utc::now()).await.unwrap();

    let (cookie, _) = staff(&t, Role::Admin).await;
    for uri in pages(id, news) {
        let r = page_get(&t, &uri, &cookie).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let html = r.text();
        for raw in ["<script>alert", "<img src=x", "<svg onload", "<b onmouseover", "<i onclick", "href=\"javascript:", "<script>x"] {
            assert!(!html.contains(raw), "{uri} carries {raw:?} raw");
        }
        for tag in html.split("<script").skip(1) {
            let open = &tag[..tag.find('>').unwrap()];
            assert!(open.contains("src=\"/admin/assets/") || open.contains("type=\"application/json\""), "{uri}: inline script <script{open}>");
        }
    }
    // Shown, as text.
    let detail = page_get(&t, &format!("/admin/reports/{id}"), &cookie).await.text();
    assert!(detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"), "the description as text");
    let edit = page_get(&t, &format!("/admin/news/{news}"), &cookie).await.text();
    assert!(edit.contains("&lt;a href=&quot;javascript:alert(5)&quot;&gt;kliknij&lt;/a&gt;"), "the body as text in its field");
}

/// A table renamed under the running server, as a failing disk or a bad
/// migration would leave it.
fn break_table(t: &common::TestApp, table: &str) {
    t.sql().batch(&format!("ALTER TABLE {table} RENAME TO {table}_gone"));
}

#[tokio::test]
async fn a_failing_store_is_an_error_page_not_an_empty_page_or_a_404() {
    let t = app().await;
    let token = device(&t).await;
    let id = new_report(&t, &token, "Latarnia nie świeci od tygodnia.").await;
    let (cookie, _) = staff(&t, Role::Admin).await;
    assert_eq!(page_get(&t, "/admin/audit", &cookie).await.status, StatusCode::OK);
    // (Not /transparency first: its numbers are cached for a minute.)

    for (table, uri) in [
        ("audit_log", "/admin/audit".to_owned()),
        ("report_notes", format!("/admin/reports/{id}")),
        ("departments", "/admin/reports".to_owned()),
        ("event_categories", "/admin/events/new".to_owned()),
        ("news", "/admin/news".to_owned()),
        ("reports", "/transparency".to_owned()),
    ] {
        break_table(&t, table);
        let signed_in = if uri == "/transparency" { "" } else { cookie.as_str() };
        let r = page_get(&t, &uri, signed_in).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri} without {table}: {}", r.text());
        let html = r.text();
        assert!(html.contains("role=\"alert\"") && html.contains("Wystąpił błąd serwera"), "{uri}: the error page");
        assert!(!html.contains("no such table") && !html.contains(&format!("{table}_gone")), "{uri}: the cause stays in the log");
        if !signed_in.is_empty() {
            assert!(html.contains("action=\"/admin/logout\""), "{uri}: with the official's menu");
        }
    }
}

#[tokio::test]
async fn the_report_page_is_a_dispatchers_tool() {
    let t = app().await;
    let token = device(&t).await;
    let photo = upload_photo(&t, &token, png(3)).await;
    let mut body = lamp("Latarnia przy przystanku nie świeci.");
    body["photo_ids"] = json!([photo]);
    let older = new_report(&t, &token, "Starsze zgłoszenie, wciąż otwarte.").await;
    let r = post_report(&t, &token, &body).await;
    let id = r.json()["id"].as_i64().unwrap();
    let (cookie, _) = staff(&t, Role::Dispatcher).await;

    let html = page_get(&t, &format!("/admin/reports/{id}"), &cookie).await.text();
    // Photos and a small map of the pin beside the details, actions beside them.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} on the page"));
    assert!(at("id=\"h-data\"") < at("id=\"h-media\"") && at("id=\"h-media\"") < at("id=\"h-act\"") && at("id=\"h-act\"") < at("id=\"h-hist\""));
    assert!(html.contains(&format!("<img src=\"/api/v1/photos/{photo}\"")));
    assert!(html.contains("id=\"pin-map\" class=\"pin-map\" data-lat=\"51.0335\" data-lon=\"17.15\""));
    assert!(html.contains(r#"<script type="application/json" id="gmina-data">"#));
    // The case reference and the EZD state, before anything reached the EZD.
    assert!(html.contains("<strong id=\"case-reference\">brak</strong>"));
    assert!(html.contains("id=\"ezd-state\" class=\"ezd-pending\""));
    // The next open report one key away: a link, its hint and the key's script.
    assert!(html.contains(&format!("<a href=\"/admin/reports/{older}\" rel=\"next\" data-shortcut=\"n\"")));
    assert!(html.contains("<kbd>N</kbd>") && html.contains("src=\"/admin/assets/admin-report.js\""));
    let js = page_get(&t, "/admin/assets/admin-report.js", "").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text().contains("data-shortcut=\"n\""));
    // From the last one, round to the newest; resolved reports are skipped.
    let html = page_get(&t, &format!("/admin/reports/{older}"), &cookie).await.text();
    assert!(html.contains(&format!("<a href=\"/admin/reports/{id}\" rel=\"next\"")));
    let resolve = |s| StatusChangeRequest { status: s, public_reply: Some("Naprawione.".into()), internal_note: None, duplicate_of: None };
    t.store.change_report_status(Actor("t".into()), id, resolve(ReportStatus::Accepted), Utc::now()).await.unwrap();
    t.store.change_report_status(Actor("t".into()), id, resolve(ReportStatus::Resolved), Utc::now()).await.unwrap();
    let html = page_get(&t, &format!("/admin/reports/{older}"), &cookie).await.text();
    assert!(!html.contains("rel=\"next\" data-shortcut"), "no other open report");

    // Registered and accepted: the RPW number and the case reference show.
    let dir = t.dir.path().join("ezd");
    let ezd = std::sync::Arc::new(mm_server::ezd::package::PackageEzd::new(&dir).unwrap());
    let store = t.store.clone() as std::sync::Arc<dyn mm_server::store::Store>;
    let bridge = mm_server::ezd::bridge::Bridge::new(store, ezd, Default::default(), t.state.clock.clone());
    bridge.deliver_due().await.unwrap();
    let html = page_get(&t, &format!("/admin/reports/{id}"), &cookie).await.text();
    assert!(html.contains("id=\"ezd-state\" class=\"ezd-registered\">zarejestrowane package:"), "{html}");
}

#[tokio::test]
async fn the_maps_draw_the_gmina_on_openstreetmap_tiles_that_the_csp_allows() {
    let t = app().await;
    let token = device(&t).await;
    let id = new_report(&t, &token, "Latarnia nie świeci.").await;
    let (cookie, _) = staff(&t, Role::Dispatcher).await;
    let tiles = mm_server::admin::settings::default_tile_url();
    if std::env::var_os("MM_TILE_URL").is_none() {
        assert_eq!(tiles, "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    }
    for uri in ["/admin/map".to_owned(), format!("/admin/reports/{id}")] {
        let r = page_get(&t, &uri, &cookie).await;
        let html = r.text();
        assert!(html.contains(&format!("data-tiles=\"{tiles}\"")), "{uri}");
        let start = html.find(r#"<script type="application/json" id="gmina-data">"#).unwrap() + 48;
        let gmina: serde_json::Value = serde_json::from_str(&html[start..start + html[start..].find("</script>").unwrap()]).unwrap();
        assert!(gmina["boundary"][0].as_array().unwrap().len() > 10, "{uri}: the boundary");
        assert_eq!(gmina["localities"].as_array().unwrap().len(), 23, "{uri}: the localities");
        let csp = r.headers["content-security-policy"].to_str().unwrap().to_owned();
        let img = csp.split(';').find(|d| d.trim().starts_with("img-src")).unwrap();
        if let Some(source) = mm_server::headers::tile_source(&tiles) {
            assert!(img.split_whitespace().any(|s| s == source), "{uri}: {img}");
        }
    }
    // The attribution OpenStreetMap asks for, linked to its copyright page.
    let js = page_get(&t, "/admin/assets/admin-map.js", "").await.text();
    assert!(js.contains("https://www.openstreetmap.org/copyright") && js.contains("OpenStreetMap contributors"));
    assert!(js.contains("tileerror"), "the map degrades to the boundary when tiles fail");
}

/// A report made `hours_ago`, as the store takes it from any channel.
async fn report_at(t: &common::TestApp, hours_ago: i64) -> i64 {
    let input: mm_protocol::reports::NewReport = serde_json::from_value(lamp("Latarnia nie świeci.")).unwrap();
    let now = Utc::now() - Duration::hours(hours_ago);
    let r = t.store.create_report(NewReportRecord { device_id: None, idempotency: None, input, now }).await.unwrap();
    match r {
        mm_server::store::Created::New(report) => report.id,
        mm_server::store::Created::Replayed(_) => panic!("no idempotency key: always a new report"),
    }
}

#[tokio::test]
async fn transparency_charts_show_the_numbers_of_its_tables_per_month_and_category() {
    let t = app().await;
    let now = Utc::now();
    let a = report_at(&t, 3).await;
    report_at(&t, 3).await;
    let move_to = |s, reply: Option<&str>| StatusChangeRequest { status: s, public_reply: reply.map(str::to_owned), internal_note: None, duplicate_of: None };
    t.store.change_report_status(Actor("t".into()), a, move_to(ReportStatus::Accepted, None), now - Duration::hours(2)).await.unwrap();
    t.store.change_report_status(Actor("t".into()), a, move_to(ReportStatus::Resolved, Some("Naprawione.")), now - Duration::hours(1)).await.unwrap();

    let html = page_get(&t, "/transparency", "").await.text();
    // Charts an eye reads and a screen reader names.
    for id in ["chart-months", "chart-month-median", "chart-categories", "chart-category-median"] {
        assert!(html.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")), "{id}");
        assert!(html.contains(&format!("<title id=\"{id}-title\">")) && html.contains(&format!("<desc id=\"{id}-desc\">")), "{id}");
    }
    // The month table: 2 received, 1 resolved in 2 h (in this month, or
    // the last one just after midnight on the 1st).
    let months = html.split(r#"<table class="months">"#).nth(1).unwrap();
    let rows: Vec<Vec<&str>> = months
        .split("<tr><th scope=\"row\">")
        .skip(1)
        .map(|r| r.split("<td>").skip(1).map(|c| &c[..c.find("</td>").unwrap()]).collect())
        .collect();
    assert_eq!(rows.len(), mm_server::admin::transparency::MONTHS as usize);
    let sum = |k: usize| rows.iter().map(|r| r[k].parse::<u32>().unwrap()).sum::<u32>();
    assert_eq!((sum(0), sum(1)), (2, 1), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r[2] == "2.0 h").count(), 1, "{rows:?}");
    // The category table is kept, and the bars carry the same numbers as text.
    assert!(html.contains(r#"<tr data-category="street_lamp"><th scope="row">Awaria latarni</th><td>2</td><td>1</td><td>2.0 h</td></tr>"#));
    assert!(html.contains(">2.0 h</text>") && html.contains(">2</text>"));
    // English too.
    let en = t
        .send(axum::http::Request::builder().uri("/transparency").header("cookie", "mm_lang=en").body(axum::body::Body::empty()).unwrap())
        .await
        .text();
    assert!(en.contains("Reports month by month") && en.contains("lang=\"en\""));
}

#[test]
fn no_html_is_built_with_format_in_the_back_office() {
    // Templates build every page; `format!` only makes URLs and plain text.
    // Modules grown into folders (admin/budget/) are read too.
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/admin")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { dirs.push(path) } else { files.push(path) }
        }
    }
    assert!(files.iter().any(|p| p.ends_with("budget/paper.rs")), "{files:?}");
    for path in files {
        let name = path.display().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        for (n, line) in src.lines().enumerate() {
            let html_literal = line.contains("format!") && (line.contains("r#\"<") || line.contains("\"<") || line.contains("</"));
            assert!(!html_literal && !line.contains("push_str(\"<"), "{name}:{}: {line}", n + 1);
        }
    }
}

#[tokio::test]
async fn reports_withheld_from_the_public_show_their_photos_to_officials() {
    let t = app().await;
    let token = device(&t).await;
    let photo = upload_photo(&t, &token, png(9)).await;
    let mut body = lamp("Zdjęcie pokazuje tablicę rejestracyjną.");
    body["photo_ids"] = json!([photo]);
    let id = post_report(&t, &token, &body).await.json()["id"].as_i64().unwrap();
    let change = mm_protocol::reports::VisibilityChangeRequest { visibility: mm_protocol::reports::Visibility::Redacted, reason: "numer rejestracyjny".into() };
    t.store.set_report_visibility(Actor("t".into()), id, change, Utc::now()).await.unwrap();
    let (cookie, _) = staff(&t, Role::Dispatcher).await;
    let html = page_get(&t, &format!("/admin/reports/{id}"), &cookie).await.text();
    let url = format!("/admin/reports/{id}/photos/{photo}");
    assert!(html.contains(&format!("<img src=\"{url}\"")));
    assert_eq!(page_get(&t, &url, &cookie).await.status, StatusCode::OK);
    assert_eq!(page_get(&t, &format!("/admin/reports/{id}/photos/nope"), &cookie).await.status, StatusCode::NOT_FOUND);
}
