//! Privacy and role findings of the December 2026 security review
//! (shared/reviews/security-2026-12.md), through HTTP against the
//! in-process server:
//!
//! - 15: an official withholds a report from the public (whole, or the
//!   resident's words and photos), with the reason in the audit log;
//! - 17: a department official sees and retries only their department's
//!   EZD dead letters;
//! - 25: editors cannot create categories through the API.
//!
//! The resident's own view of a withheld report through the core and the
//! `mm` CLI is in tests/tests/security_privacy_e2e.rs.

use crate::common;
use crate::security_support;

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::Utc;
use common::TestApp;
use mm_protocol::auth::Role;
use mm_server::store::jobs::{JobFilter, JobState};
use mm_server::store::Actor;
use security_support::*;
use serde_json::{Value, json};

const SECRET: &str = "Latarnia nie świeci, dzwońcie do sąsiada Jana Nowaka-Tajnego 600 999 888.";
const ADDRESS: &str = "ul. Tajna 7, dom Nowaków";

/// Everything the public can read about reports, as text.
async fn public_texts(t: &TestApp, id: i64) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for uri in [
        format!("/api/v1/reports/{id}"),
        "/api/v1/reports?page_size=200".to_owned(),
        "/api/v1/reports/near?lat=51.0335&lon=17.15&radius_m=2000".to_owned(),
        "/open311/v2/requests.json".to_owned(),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/tokens/{id}.json"),
        "/api/v1/sync?limit=2000".to_owned(),
        "/transparency".to_owned(),
    ] {
        out.push((uri.clone(), t.get(&uri).await.text()));
    }
    out
}

fn assert_nothing_personal(texts: &[(String, String)]) {
    for (uri, text) in texts {
        for secret in ["Nowaka-Tajnego", "600 999 888", "Tajna 7", "Nowaków", "7777"] {
            if let Some(i) = text.find(secret) {
                let around: String = text[i.saturating_sub(200)..].chars().take(400).collect();
                panic!("{uri} shows {secret:?}: …{around}…");
            }
        }
    }
}

/// The newest change of report `id` in the public sync feed.
async fn synced(t: &TestApp, id: i64) -> Value {
    let page = t.get("/api/v1/sync?limit=2000").await.json();
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| {
            let upsert = c["item"]["collection"] == "reports" && c["item"]["data"]["id"] == id;
            let delete = c["collection"] == "reports" && c["id"].as_str() == Some(id.to_string().as_str());
            upsert || delete
        })
        .cloned()
        .expect("the report in the sync feed")
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|r| r["id"].as_i64().or_else(|| r["service_request_id"].as_str().and_then(|s| s.parse().ok())).unwrap()).collect()
}

/// "received" of a category on `/transparency`.
fn received(html: &str, category: &str) -> u32 {
    let i = html.find(&format!("data-category=\"{category}\"")).unwrap();
    let row = &html[i..i + html[i..].find("</tr>").unwrap()];
    let td = row.find("<td>").unwrap() + 4;
    row[td..td + row[td..].find("</td>").unwrap()].parse().unwrap()
}

async fn set_visibility(t: &TestApp, token: &str, id: i64, visibility: &str, reason: &str) -> common::Resp {
    t.call("POST", &format!("/api/v1/reports/{id}/visibility"), Some(token), Some(json!({"visibility": visibility, "reason": reason}))).await
}

#[tokio::test]
async fn finding_15_an_official_withholds_a_report_from_the_public_whole_or_redacted_and_restores_it() {
    let t = app().await;
    let resident = device(&t).await;
    let photo = upload_photo(&t, &resident, png(1)).await;
    let mut body = lamp(SECRET);
    body["address"] = json!(ADDRESS);
    body["answers"] = json!({"kind": "not_lit", "lamp_number": "7777"});
    body["photo_ids"] = json!([photo]);
    let r = post_report(&t, &resident, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    let other = new_report(&t, &device(&t).await, "Inna latarnia obok też nie świeci.").await;
    let photo_url = format!("/api/v1/photos/{photo}");
    assert_eq!(t.get(&photo_url).await.status, StatusCode::OK);
    let before = received(&t.get("/transparency").await.text(), "street_lamp");
    assert_eq!(before, 2);

    // Who may: admins and dispatchers through the API, with a reason.
    let dispatcher = t.official(Role::Dispatcher).await;
    for role in [Role::Editor, Role::Department] {
        let token = t.official(role).await;
        let r = set_visibility(&t, &token, id, "hidden", "Dane osobowe osoby trzeciej w opisie.").await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"), "{role:?}");
    }
    assert_eq!(set_visibility(&t, &resident, id, "hidden", "x").await.status, StatusCode::UNAUTHORIZED);
    let r = set_visibility(&t, &dispatcher, id, "hidden", "  ").await;
    assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "invalid_field"));
    assert_eq!(r.json()["field"], "reason");
    assert_eq!(set_visibility(&t, &dispatcher, 999_999, "hidden", "x").await.status, StatusCode::NOT_FOUND);

    // Hidden whole.
    let seq = t.max_seq();
    let audit = t.audit_len().await;
    let r = set_visibility(&t, &dispatcher, id, "hidden", "Dane osobowe osoby trzeciej w opisie.").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let officials_view = r.json();
    assert_eq!(officials_view["visibility"], "hidden");
    assert_eq!(officials_view["description"], SECRET, "officials see it whole");
    assert_eq!(t.audit_len().await, audit + 1);
    // In the same transaction: a tombstone in the sync feed.
    assert!(t.max_seq() > seq);
    let change = synced(&t, id).await;
    assert_eq!(change["op"], "delete", "{change}");
    assert!(change["seq"].as_u64().unwrap() > seq);
    // The public sees nothing of it, anywhere.
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&format!("/open311/v2/requests/{id}.json")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&format!("/open311/v2/tokens/{id}.json")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ids(&t.get("/api/v1/reports").await.json()), vec![other]);
    assert_eq!(ids(&t.get("/api/v1/reports/near?lat=51.0335&lon=17.15&radius_m=500").await.json()), vec![other]);
    assert_eq!(ids(&t.get("/open311/v2/requests.json").await.json()), vec![other]);
    assert_eq!(t.get(&photo_url).await.status, StatusCode::NOT_FOUND, "its photo is withheld too");
    assert_nothing_personal(&public_texts(&t, id).await);
    // It still counts as received: the statistics stay honest.
    assert_eq!(received(&t.get("/transparency").await.text(), "street_lamp"), 2);
    // Nobody else can follow it.
    let stranger = device(&t).await;
    assert_eq!(t.call("POST", &format!("/api/v1/reports/{id}/follow"), Some(&stranger), None).await.status, StatusCode::NOT_FOUND);
    assert!(ids(&t.call("GET", "/api/v1/reports/mine", Some(&stranger), None).await.json()).is_empty());

    // The resident who made it still sees it, whole but for the withheld
    // photo, marked hidden.
    let mine = t.call("GET", "/api/v1/reports/mine", Some(&resident), None).await.json();
    let own = mine.as_array().unwrap().iter().find(|r| r["id"] == id).expect("their own report");
    assert_eq!(own["visibility"], "hidden");
    assert_eq!(own["description"], SECRET);
    assert_eq!(own["photos"], json!([]));

    // Officials: the internal view with the decision, the back office's
    // page with the mark and the reason, the photo through the back office.
    let internal = t.call("GET", &format!("/api/v1/reports/{id}/internal"), Some(&dispatcher), None).await.json();
    assert_eq!(internal["report"]["visibility"], "hidden");
    assert_eq!(internal["report"]["photos"].as_array().unwrap().len(), 1);
    assert_eq!(internal["visibility_log"][0]["reason"], "Dane osobowe osoby trzeciej w opisie.");
    let (disp_cookie, disp_csrf) = staff(&t, Role::Dispatcher).await;
    let page = page_get(&t, &format!("/admin/reports/{id}"), &disp_cookie).await.text();
    assert!(page.contains("Nowaka-Tajnego") && page.contains("v-hidden") && page.contains("Dane osobowe osoby trzeciej w opisie."), "{page}");
    let list = page_get(&t, "/admin/reports", &disp_cookie).await.text();
    assert!(list.contains("v-hidden"), "the list marks it");
    let admin_photo = format!("/admin/reports/{id}/photos/{photo}");
    assert!(page.contains(&admin_photo), "the page shows the photo through the back office");
    let r = page_get(&t, &admin_photo, &disp_cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["cache-control"].to_str().unwrap().contains("no-store"));
    assert!(r.bytes.starts_with(b"\x89PNG") || r.bytes.starts_with(&[0xFF, 0xD8]));
    assert_eq!(page_get(&t, &format!("/admin/reports/{other}/photos/{photo}"), &disp_cookie).await.status, StatusCode::NOT_FOUND, "only the report's own photos");
    assert_eq!(page_get(&t, &admin_photo, "").await.status, StatusCode::SEE_OTHER, "not without a session");
    let admin = t.official(Role::Admin).await;
    let audit_log = t.call("GET", "/api/v1/audit?limit=1000", Some(&admin), None).await.json();
    let entry = audit_log.as_array().unwrap().iter().find(|a| a["action"] == "report.visibility").expect("audited");
    assert_eq!(entry["entity_id"], id.to_string());
    assert_eq!(entry["details"]["reason"], "Dane osobowe osoby trzeciej w opisie.");
    assert_eq!((entry["details"]["from"].as_str(), entry["details"]["to"].as_str()), (Some("public"), Some("hidden")));

    // The EZD record is unaffected: the registration carries the whole
    // report and its photo.
    let ezd_dir = t.dir.path().join("ezd");
    let bridge = mm_server::ezd::bridge::Bridge::new(
        t.state.store.clone(),
        Arc::new(mm_server::ezd::package::PackageEzd::new(&ezd_dir).unwrap()),
        Default::default(),
        t.state.clock.clone(),
    );
    bridge.deliver_due().await.unwrap();
    assert!(dead_letters(&t).await.is_empty());
    let pkg = std::fs::read_dir(&ezd_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("MM-ZGL-{id}-")))
        .expect("the report's package");
    assert!(std::fs::read_to_string(pkg.join("metadata.xml")).unwrap().contains("Nowaka-Tajnego"));
    assert!(std::fs::read_dir(&pkg).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with("zdjecie-1")));

    // Handled while hidden: still nothing public (a new tombstone), the
    // resident sees the move.
    let seq = t.max_seq();
    let r = t.call("POST", &format!("/api/v1/reports/{id}/status"), Some(&dispatcher), Some(json!({"status": "accepted", "public_reply": "Przyjęte do realizacji."}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let change = synced(&t, id).await;
    assert_eq!(change["op"], "delete");
    assert!(change["seq"].as_u64().unwrap() > seq);
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.status, StatusCode::NOT_FOUND);
    let mine = t.call("GET", "/api/v1/reports/mine", Some(&resident), None).await.json();
    assert_eq!(mine.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["status"], "accepted");

    // Redacted: the report is public again, without the resident's words
    // and photos; the single choice stays, the typed number goes.
    let r = set_visibility(&t, &dispatcher, id, "redacted", "Opis i zdjęcie z danymi osoby trzeciej; zgłoszenie samo w sobie publiczne.").await;
    assert_eq!(r.status, StatusCode::OK);
    let public = t.get(&format!("/api/v1/reports/{id}")).await.json();
    assert_eq!(public["visibility"], "redacted");
    assert!(public["description"].as_str().unwrap().contains("ukryta przez urząd"), "{public}");
    assert!(public.get("address").is_none(), "{public}");
    assert_eq!(public["answers"], json!({"kind": "not_lit"}));
    assert_eq!(public["photos"], json!([]));
    assert_eq!(public["status"], "accepted");
    assert_eq!(public["history"].as_array().unwrap().last().unwrap()["public_reply"], "Przyjęte do realizacji.");
    let change = synced(&t, id).await;
    assert_eq!(change["op"], "upsert");
    assert_eq!(change["item"]["data"], public, "the feed carries the redacted view");
    assert!(ids(&t.get("/api/v1/reports").await.json()).contains(&id));
    let o311 = t.get(&format!("/open311/v2/requests/{id}.json")).await.json();
    assert_eq!(o311[0]["description"], public["description"]);
    assert!(o311[0]["media_url"].is_null());
    assert_eq!(t.get(&photo_url).await.status, StatusCode::NOT_FOUND);
    assert_nothing_personal(&public_texts(&t, id).await);

    // Public again: everything comes back, by the same routes.
    let r = set_visibility(&t, &dispatcher, id, "public", "Autor usunął dane osobowe w piśmie do urzędu; publikujemy ponownie.").await;
    assert_eq!(r.status, StatusCode::OK);
    let public = t.get(&format!("/api/v1/reports/{id}")).await.json();
    assert!(public.get("visibility").is_none(), "{public}");
    assert_eq!(public["description"], SECRET);
    assert_eq!(public["address"], ADDRESS);
    assert_eq!(public["photos"][0]["id"], photo);
    assert_eq!(t.get(&photo_url).await.status, StatusCode::OK);
    assert_eq!(synced(&t, id).await["item"]["data"], public);
    let internal = t.call("GET", &format!("/api/v1/reports/{id}/internal"), Some(&dispatcher), None).await.json();
    assert_eq!(internal["visibility_log"].as_array().unwrap().len(), 3);
    // The same visibility again changes nothing.
    let (seq, audit) = (t.max_seq(), t.audit_len().await);
    assert_eq!(set_visibility(&t, &dispatcher, id, "public", "Jeszcze raz.").await.status, StatusCode::OK);
    assert_eq!((t.max_seq(), t.audit_len().await), (seq, audit));
    let _ = disp_csrf;
}

#[tokio::test]
async fn finding_15_in_the_back_office_a_department_hides_its_own_reports_only_and_needs_a_reason() {
    let t = app().await;
    let now = Utc::now();
    let roads = t.store.create_department(Actor("test".into()), "Drogi", now).await.unwrap();
    let green = t.store.create_department(Actor("test".into()), "Zieleń", now).await.unwrap();
    let resident = device(&t).await;
    let id = new_report(&t, &resident, SECRET).await;
    t.store.assign_report(Actor("test".into()), id, Some(roads.id), None, now).await.unwrap();
    let (mine_ck, mine_csrf) = department_official(&t, Some(roads.id)).await;
    let (theirs_ck, theirs_csrf) = department_official(&t, Some(green.id)).await;
    let (ed_ck, ed_csrf) = staff(&t, Role::Editor).await;
    let hide = |csrf: &str, reason: &str| format!("csrf={csrf}&visibility=hidden&reason={}", enc(reason));
    let uri = format!("/admin/reports/{id}/visibility");

    assert_eq!(form_post(&t, &uri, &theirs_ck, &hide(&theirs_csrf, "Dane osobowe.")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(form_post(&t, &uri, &ed_ck, &hide(&ed_csrf, "Dane osobowe.")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(form_post(&t, &uri, &mine_ck, &hide("0000", "Dane osobowe.")).await.status, StatusCode::FORBIDDEN, "CSRF");
    assert_eq!(form_post(&t, &uri, &mine_ck, &hide(&mine_csrf, "")).await.status, StatusCode::BAD_REQUEST, "a reason is required");
    assert_eq!(form_post(&t, &uri, &mine_ck, &format!("csrf={mine_csrf}&visibility=secret&reason=x")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.status, StatusCode::OK, "nothing changed yet");

    // The detail page offers the form; the department's official uses it.
    let page = page_get(&t, &format!("/admin/reports/{id}"), &mine_ck).await.text();
    let fields = form_fields(&page, &uri);
    assert!(fields.iter().any(|(k, v)| k == "visibility" && v == "public"), "{fields:?}");
    let r = form_post(&t, &uri, &mine_ck, &hide(&mine_csrf, "Numer telefonu osoby trzeciej w opisie.")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.status, StatusCode::NOT_FOUND);
    let page = page_get(&t, &format!("/admin/reports/{id}"), &mine_ck).await.text();
    assert!(page.contains("Numer telefonu osoby trzeciej w opisie.") && page.contains("v-hidden"));
    // And publishes it again.
    let r = form_post(&t, &uri, &mine_ck, &format!("csrf={mine_csrf}&visibility=public&reason={}", enc("Pomyłka, opis nie zawiera danych."))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get(&format!("/api/v1/reports/{id}")).await.json()["description"], SECRET);
}

// ---------- finding 17 ----------

/// The job queue's dead letters (of every kind).
async fn dead_letters(t: &TestApp) -> Vec<mm_server::store::jobs::JobRow> {
    t.store.jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: 1000 }).await.unwrap()
}

#[tokio::test]
async fn finding_17_a_department_official_sees_and_retries_only_their_departments_dead_letters() {
    let t = app().await;
    let now = Utc::now();
    let roads = t.store.create_department(Actor("test".into()), "Drogi", now).await.unwrap();
    let green = t.store.create_department(Actor("test".into()), "Zieleń", now).await.unwrap();
    let resident = device(&t).await;
    let ours = new_report(&t, &resident, "Latarnia na drodze nie świeci od tygodnia.").await;
    let theirs = new_report(&t, &resident, "Latarnia w parku nie świeci od tygodnia.").await;
    t.store.assign_report(Actor("test".into()), ours, Some(roads.id), None, now).await.unwrap();
    t.store.assign_report(Actor("test".into()), theirs, Some(green.id), None, now).await.unwrap();
    // Both registrations failed for good, each with the EZD's own error.
    let sql = t.sql();
    for (id, err) in [(ours, "HTTP 500 błąd-drogi"), (theirs, "HTTP 500 błąd-zieleni")] {
        let key = format!("ezd.register:{id}");
        sql.execute("UPDATE jobs SET state = 'dead', attempts = 12, last_error = ?2 WHERE dedupe_key = ?1", &[key.into(), err.into()]);
    }
    let dead = dead_letters(&t).await;
    let job = |report: i64| dead.iter().find(|d| d.report_id() == Some(report)).unwrap().id;
    let (our_job, their_job) = (job(ours), job(theirs));

    let (ck, csrf) = department_official(&t, Some(roads.id)).await;
    let page = page_get(&t, "/admin/jobs", &ck).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    assert!(page.contains("błąd-drogi") && page.contains(&format!("/admin/reports/{ours}\"")), "{page}");
    assert!(!page.contains("błąd-zieleni") && !page.contains(&format!("/admin/reports/{theirs}\"")), "{page}");
    assert!(!page.contains(&format!("/admin/jobs/{their_job}/retry")));
    // Another department's retry is refused and changes nothing.
    let r = form_post(&t, &format!("/admin/jobs/{their_job}/retry"), &ck, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let still_dead: Vec<i64> = dead_letters(&t).await.iter().map(|d| d.id).collect();
    assert!(still_dead.contains(&their_job));
    // Their own is retried.
    let r = form_post(&t, &format!("/admin/jobs/{our_job}/retry"), &ck, &format!("csrf={csrf}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let still_dead: Vec<i64> = dead_letters(&t).await.iter().map(|d| d.id).collect();
    assert_eq!(still_dead, vec![their_job]);

    // An official in no department sees none; a dispatcher sees all.
    let (none_ck, none_csrf) = department_official(&t, None).await;
    assert!(!page_get(&t, "/admin/jobs", &none_ck).await.text().contains("błąd-zieleni"));
    assert_eq!(form_post(&t, &format!("/admin/jobs/{their_job}/retry"), &none_ck, &format!("csrf={none_csrf}")).await.status, StatusCode::NOT_FOUND);
    let (disp, disp_csrf) = staff(&t, Role::Dispatcher).await;
    assert!(page_get(&t, "/admin/jobs", &disp).await.text().contains("błąd-zieleni"));
    assert_eq!(form_post(&t, &format!("/admin/jobs/{their_job}/retry"), &disp, &format!("csrf={disp_csrf}")).await.status, StatusCode::SEE_OTHER);
    assert!(dead_letters(&t).await.is_empty());
}

// ---------- finding 25 ----------

#[tokio::test]
async fn finding_25_editors_cannot_create_categories_through_the_api_as_in_the_back_office() {
    let t = app().await;
    let editor = t.official(Role::Editor).await;
    let others = [t.official(Role::Dispatcher).await, t.official(Role::Department).await];
    let seq = t.max_seq();
    let audit = t.audit_len().await;
    // The review's E25, and every other category endpoint.
    let report_category = json!({"id": "graffiti", "name_pl": "Graffiti", "name_en": "Graffiti", "active": true});
    for token in std::iter::once(&editor).chain(&others) {
        for (m, uri, body) in [
            ("POST", "/api/v1/event-categories", json!({"id": "siatkowka", "name_pl": "Siatkówka", "name_en": "Volleyball"})),
            ("POST", "/api/v1/report-categories", report_category.clone()),
            ("PUT", "/api/v1/report-categories/street_lamp", json!({"id": "street_lamp", "name_pl": "X", "name_en": "X", "active": false})),
        ] {
            let r = t.call(m, uri, Some(token), Some(body)).await;
            assert_eq!((r.status, r.code().as_str()), (StatusCode::FORBIDDEN, "forbidden"), "{m} {uri}");
        }
    }
    assert_eq!((t.max_seq(), t.audit_len().await - audit), (seq, 0), "nothing changed");
    // The back office agrees.
    let (ck, csrf) = staff(&t, Role::Editor).await;
    let r = form_post(&t, "/admin/event-categories", &ck, &format!("csrf={csrf}&id=siatkowka&name_pl=Siatkowka&name_en=Volleyball")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Admins do it; editors then use the category for their events.
    let admin = t.official(Role::Admin).await;
    let r = t.call("POST", "/api/v1/event-categories", Some(&admin), Some(json!({"id": "siatkowka", "name_pl": "Siatkówka", "name_en": "Volleyball"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let mut event = common::event_input("Turniej", Some("siatkowka"));
    event["place_name"] = json!("Stadion");
    assert_eq!(t.call("POST", "/api/v1/events", Some(&editor), Some(event)).await.status, StatusCode::CREATED);
}
