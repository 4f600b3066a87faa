//! Finding 19 of the security review (security-2026-12.md): pages whose
//! cost grew with every report in the database. With thousands of reports
//! written straight into the database, each page must still answer
//! correctly while decoding only what it shows (counted by
//! `SqliteStore::reports_decoded`, so the tests here run one at a time;
//! the answers are checked on both backends, the count on SQLite alone).

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::geo::GeoPoint;
use mm_protocol::reports::{Report, ReportCategory, ReportStatus, StatusChange, distance_m};
use mm_server::store::{Actor, SqliteStore};

/// The decode counter is per process: one test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const CENTRE: GeoPoint = GeoPoint { lat: 51.0335, lon: 17.15 };

/// `n` reports straight into the database: every category, every tenth
/// older than the transparency window, every fifth resolved after a known
/// number of minutes. Times sit half an hour off whole hours, so no
/// deadline falls within seconds of "now".
fn seed(app: &TestApp, n: usize, cats: &[ReportCategory], now: DateTime<Utc>) -> Vec<Report> {
    let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap();
    let mut rows = Vec::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let hours_ago = if i % 10 == 0 { 91 * 24 + (i % 48) } else { (i * 7) % (89 * 24) };
        let created_at = now - Duration::minutes(30) - Duration::hours(hours_ago as i64);
        let mut history = vec![StatusChange { status: ReportStatus::New, at: created_at, public_reply: None }];
        let status = match i % 5 {
            0 => {
                history.push(StatusChange { status: ReportStatus::Accepted, at: created_at + Duration::minutes(10), public_reply: None });
                let minutes = ((i % 97) * 37 + 15) as i64;
                history.push(StatusChange { status: ReportStatus::Resolved, at: created_at + Duration::minutes(minutes), public_reply: Some("Naprawiono.".into()) });
                ReportStatus::Resolved
            }
            1 => {
                history.push(StatusChange { status: ReportStatus::Accepted, at: created_at + Duration::minutes(10), public_reply: None });
                ReportStatus::Accepted
            }
            _ => ReportStatus::New,
        };
        // Scattered within about 250 m, so that no two distances tie.
        let spread = |k: u64| ((i as u64 * k) % 1_000_003) as f64 / 1_000_003.0 - 0.5;
        let point = GeoPoint { lat: CENTRE.lat + spread(2_654_435_761) * 0.004, lon: CENTRE.lon + spread(40_503) * 0.006 };
        let report = Report {
            id: i as i64,
            category: cats[i % cats.len()].id.clone(),
            point,
            address: None,
            description: format!("Zgłoszenie testowe nr {i}"),
            answers: BTreeMap::new(),
            status,
            created_at,
            updated_at: history.last().unwrap().at,
            photos: vec![],
            history,
            duplicate_of: None,
            case_reference: None,
            followers: 0,
            visibility: Default::default(),
        };
        let ts = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
        rows.push(vec![
            report.id.into(),
            report.category.clone().into(),
            report.status.as_str().into(),
            point.lat.into(),
            point.lon.into(),
            ts(report.created_at).into(),
            ts(report.updated_at).into(),
            serde_json::to_string(&report).unwrap().into(),
        ]);
        out.push(report);
    }
    app.sql().execute_many(
        // The test app's gmina (the deployment's fallback, issue 13).
        "INSERT INTO reports (id, gmina, category, status, lat, lon, created_at, updated_at, private, data)
         VALUES (?1, '0223083', ?2, ?3, ?4, ?5, ?6, ?7, '{}', ?8)",
        rows,
    );
    out
}

async fn page(app: &TestApp, uri: &str, cookie: &str) -> (StatusCode, Vec<(String, String)>, String) {
    let req = Request::builder().uri(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap();
    let r = app.send(req).await;
    let headers = r.headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
    (r.status, headers, r.text())
}

/// Signs a dispatcher in through the back office's form; the session cookie.
async fn back_office(app: &TestApp) -> String {
    let pass = "hasło-dyspozytora-1";
    let hash = mm_server::auth::password::hash(pass).unwrap();
    app.store.create_user(Actor("test".into()), "dyspozytor", Role::Dispatcher, &hash).await.unwrap();
    let get = app.send(Request::builder().uri("/admin/login").body(Body::empty()).unwrap()).await;
    let csrf = cookie(&get.headers, "mm_login_csrf").expect("login csrf cookie");
    let post = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/admin/login")
                .header(header::COOKIE, format!("mm_login_csrf={csrf}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&login=dyspozytor&password={}", urlencode(pass))))
                .unwrap(),
        )
        .await;
    let session = cookie(&post.headers, "mm_session").unwrap_or_else(|| panic!("signed in: {} {}", post.status, post.text()));
    format!("mm_session={session}")
}

fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
        // The name may carry a prefix (`__Host-`) once the cookie is Secure.
        let (k, rest) = c.split_once('=')?;
        k.trim_start_matches("__Host-").eq(name).then(|| rest.split(';').next().unwrap_or("").to_owned())
    })
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Reports decoded since `before`, where the store counts them: SQLite's
/// counter is the process's; PostgreSQL's store has none (its answers are
/// still checked), so there this is 0.
fn decoded_since(before: u64) -> u64 {
    match common::backend::backend() {
        common::backend::Backend::Sqlite => SqliteStore::reports_decoded() - before,
        common::backend::Backend::Postgres => 0,
    }
}

fn median_label(mut minutes: Vec<i64>) -> String {
    if minutes.is_empty() {
        return "—".into();
    }
    minutes.sort_unstable();
    let n = minutes.len();
    let m = if n % 2 == 1 { minutes[n / 2] } else { (minutes[n / 2 - 1] + minutes[n / 2]) / 2 };
    if m < 48 * 60 { format!("{:.1} h", m as f64 / 60.0) } else { format!("{:.1} dni", m as f64 / 1440.0) }
}

/// The `<td>` texts of the transparency row of a category.
fn transparency_row(html: &str, category: &str) -> Vec<String> {
    let start = html.find(&format!(r#"data-category="{category}""#)).unwrap_or_else(|| panic!("no row for {category}"));
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    row.split("<td>").skip(1).map(|c| c[..c.find("</td>").unwrap()].to_owned()).collect()
}

#[tokio::test]
async fn finding_19_transparency_is_computed_from_sql_aggregates_and_cached() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = TestApp::new().await;
    let cats = app.store.report_categories().await.unwrap();
    let now = Utc::now();
    let reports = seed(&app, 5_000, &cats, now);

    let before = SqliteStore::reports_decoded();
    let (status, _, html) = page(&app, "/transparency", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(decoded_since(before), 0, "the page needs no report decoded");

    let window = now - Duration::days(90);
    for c in &cats {
        let mine: Vec<&Report> = reports.iter().filter(|r| r.category == c.id && r.created_at >= window).collect();
        let resolved: Vec<i64> = mine
            .iter()
            .filter(|r| r.status == ReportStatus::Resolved)
            .map(|r| (r.history.iter().find(|h| h.status == ReportStatus::Resolved).unwrap().at - r.created_at).num_minutes())
            .collect();
        assert_eq!(
            transparency_row(&html, &c.id),
            vec![mine.len().to_string(), resolved.len().to_string(), median_label(resolved.clone())],
            "category {}",
            c.id
        );
    }

    // Cached briefly: a report arriving right after is not counted yet,
    // and the repeated page costs no query over the reports.
    seed_one_more(&app, &cats[0].id);
    let (_, _, again) = page(&app, "/transparency", "").await;
    assert_eq!(transparency_row(&again, &cats[0].id), transparency_row(&html, &cats[0].id));
}

fn seed_one_more(app: &TestApp, category: &str) {
    let now = Utc::now();
    let report = serde_json::json!({"id": 999_999, "category": category, "point": {"lat": CENTRE.lat, "lon": CENTRE.lon},
        "description": "Jeszcze jedno", "status": "new", "created_at": now, "updated_at": now,
        "history": [{"status": "new", "at": now}], "followers": 0});
    let ts = now.to_rfc3339_opts(SecondsFormat::Micros, true);
    app.sql().execute(
        "INSERT INTO reports (id, gmina, category, status, lat, lon, created_at, updated_at, private, data)
         VALUES (999999, '0223083', ?1, 'new', ?2, ?3, ?4, ?4, '{}', ?5)",
        &[category.into(), CENTRE.lat.into(), CENTRE.lon.into(), ts.into(), report.to_string().into()],
    );
}

#[tokio::test]
async fn finding_19_reports_near_decodes_only_what_it_returns() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = TestApp::new().await;
    let cats = app.store.report_categories().await.unwrap();
    let reports = seed(&app, 5_000, &cats, Utc::now());

    let before = SqliteStore::reports_decoded();
    let r = app.get(&format!("/api/v1/reports/near?lat={}&lon={}&radius_m=5000", CENTRE.lat, CENTRE.lon)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let decoded = decoded_since(before);
    let got: Vec<i64> = r.json().as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();

    let mut expected: Vec<(f64, i64)> = reports.iter().map(|r| (distance_m(CENTRE, r.point), r.id)).collect();
    expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let expected: Vec<i64> = expected.into_iter().take(500).map(|(_, id)| id).collect();
    assert_eq!(got, expected, "the 500 nearest, nearest first");
    assert!(decoded <= 500, "{decoded} reports decoded for an answer of 500 out of 5000 in the box");

    // Filters still apply before the limit.
    let open = app.get(&format!("/api/v1/reports/near?lat={}&lon={}&radius_m=5000&open_only=true&category={}", CENTRE.lat, CENTRE.lon, cats[0].id)).await;
    let open = open.json();
    let open = open.as_array().unwrap();
    assert!(!open.is_empty());
    assert!(open.iter().all(|x| x["category"] == cats[0].id.as_str() && x["status"] != "resolved"));
}

#[tokio::test]
async fn finding_19_the_admin_list_and_map_load_one_page_not_every_report() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = TestApp::new().await;
    let cats = app.store.report_categories().await.unwrap();
    let now = Utc::now();
    let reports = seed(&app, 5_000, &cats, now);
    let cookie = back_office(&app).await;
    let rows = |html: &str| html.matches(r#"<input type="checkbox" name="id" value=""#).count();
    let first_row = |html: &str| -> i64 {
        let i = html.find(r#"name="id" value=""#).unwrap() + 17;
        html[i..i + html[i..].find('"').unwrap()].parse().unwrap()
    };

    let before = SqliteStore::reports_decoded();
    let (status, _, html) = page(&app, "/admin/reports", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(decoded_since(before) <= 50, "{} decoded for one page of 50", decoded_since(before));
    assert!(html.contains("Znalezione zgłoszenia: 5000"), "the total is counted, not loaded");
    assert_eq!(rows(&html), 50);
    assert_eq!(first_row(&html), 5000, "newest first");
    assert!(html.contains("Strona 1 / 100"));

    let (_, _, html) = page(&app, "/admin/reports?sort=oldest&page=2", &cookie).await;
    assert_eq!(first_row(&html), 51);
    // Past the last page: the last page.
    let (_, _, html) = page(&app, "/admin/reports?page=1000", &cookie).await;
    assert_eq!((rows(&html), first_row(&html)), (50, 50));

    // Overdue: open and older than its category's target, as before.
    let targets: BTreeMap<&str, Option<u32>> = cats.iter().map(|c| (c.id.as_str(), c.target_hours)).collect();
    let overdue = reports
        .iter()
        .filter(|r| {
            r.status.is_open()
                && targets[r.category.as_str()].is_some_and(|h| r.created_at + Duration::hours(i64::from(h)) < now)
        })
        .count();
    assert!(overdue > 50, "the data has overdue reports ({overdue})");
    let before = SqliteStore::reports_decoded();
    let (_, _, html) = page(&app, "/admin/reports?overdue=1", &cookie).await;
    assert!(decoded_since(before) <= 50);
    assert!(html.contains(&format!("Znalezione zgłoszenia: {overdue}")), "overdue total {overdue}");
    assert_eq!(rows(&html), 50);

    let resolved_here = reports.iter().filter(|r| r.status == ReportStatus::Resolved && r.category == cats[1].id).count();
    let (_, _, html) = page(&app, &format!("/admin/reports?status=resolved&category={}", cats[1].id), &cookie).await;
    assert!(html.contains(&format!("Znalezione zgłoszenia: {resolved_here}")));

    // The map: at most 2000 markers read from the reports' columns (no
    // stored document decoded), the table beside it one page of 50, and a
    // line saying the filters match more.
    let before = SqliteStore::reports_decoded();
    let (status, _, html) = page(&app, "/admin/map", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(decoded_since(before) <= 50, "{} decoded for a map of 2000 and a table of 50", decoded_since(before));
    assert_eq!(html.matches(r#"<tr><td><a href="/admin/reports/"#).count(), 50);
    let start = html.find(r#"<script type="application/json" id="map-data">"#).unwrap();
    let data = &html[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(data["points"].as_array().unwrap().len(), 2000);
    assert!(html.contains("Na mapie: 2000") && html.contains("Zawęź filtry"), "the cut is said");
}

#[tokio::test]
async fn finding_19_the_csv_export_is_bounded() {
    let _one = ONE_AT_A_TIME.lock().await;
    let app = TestApp::new().await;
    let cats = app.store.report_categories().await.unwrap();
    let cap = mm_server::admin::reports::CSV_MAX_ROWS;
    seed(&app, cap + 50, &cats, Utc::now());
    let cookie = back_office(&app).await;

    let before = SqliteStore::reports_decoded();
    let (status, headers, csv) = page(&app, "/admin/reports.csv", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(decoded_since(before) <= cap as u64, "{} decoded for an export of at most {cap}", decoded_since(before));
    assert_eq!(csv.lines().count(), 1 + cap, "a header and at most {cap} rows");
    let total = headers.iter().find(|(k, _)| k == "x-total-count").map(|(_, v)| v.clone());
    assert_eq!(total.as_deref(), Some((cap + 50).to_string().as_str()), "the total tells the export was cut");
    // The list says so before anyone downloads it.
    let (_, _, html) = page(&app, "/admin/reports", &cookie).await;
    assert!(html.contains("pierwsze 10000"), "the CSV link warns that the export is cut");
}
