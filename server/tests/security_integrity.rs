//! Data integrity findings of the December 2026 security review
//! (shared/reviews/security-2026-12.md), each reproduced through HTTP
//! against the in-process server:
//!
//! - 9: saving an event in the back office keeps the fields its form does
//!   not show;
//! - 10: resident text cannot carry characters outside XML 1.0 into the
//!   Open311 XML feed or the EZD metadata;
//! - 16: bulk actions validate a status change like single ones and the API;
//! - 27: the category form keeps every question and any choice key.

use crate::security_support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use mm_protocol::auth::Role;
use mm_server::store::jobs::{JobFilter, JobState};
use serde_json::{Value, json};

// ---------- helpers ----------

use security_support::*;

// ---------- finding 9 ----------

#[tokio::test]
async fn finding_09_an_unchanged_event_save_in_the_back_office_keeps_point_image_and_accessibility() {
    let t = app().await;
    let editor = t.official(Role::Editor).await;
    // Whole minutes: the form's datetime-local field shows no seconds.
    let start = chrono::DurationRound::duration_trunc(chrono::Utc::now() + chrono::Duration::days(5), chrono::Duration::minutes(1)).unwrap();
    // The review's event 13: a concert with a map point, a picture and
    // accessibility notes, published through the API.
    let r = t
        .call(
            "POST",
            "/api/v1/events",
            Some(&editor),
            Some(json!({
                "title": "Koncert jazzowy w parku",
                "description": "Wieczór z jazzem \"na żywo\" & <b>gośćmi</b>.",
                "starts_at": start.to_rfc3339(),
                "ends_at": (start + chrono::Duration::hours(2)).to_rfc3339(),
                "place_name": "Park Miejski",
                "point": {"lat": 51.0345, "lon": 17.1478},
                "organiser": "Centrum Kultury",
                "image_url": "https://siechnice.gmina.pl/img/koncert-jazz.jpg",
                "accessibility": "Wejście bez schodów, toaleta dla osób z niepełnosprawnościami, pętla indukcyjna.",
                "rrule": "FREQ=WEEKLY;COUNT=3",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let before = r.json();
    let id = before["id"].as_i64().unwrap();
    let seq = t.max_seq();

    // The edit form, saved exactly as it is shown, by an editor.
    let (cookie, _) = staff(&t, Role::Editor).await;
    let page = page_get(&t, &format!("/admin/events/{id}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = form_fields(&page.text(), &format!("/admin/events/{id}"));
    assert!(fields.iter().any(|(k, _)| k == "title"), "{fields:?}");
    assert!(!fields.iter().any(|(k, _)| k == "image_url" || k == "accessibility" || k == "point"), "the form does not show them");
    let r = form_post(&t, &format!("/admin/events/{id}"), &cookie, &encode_form(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(t.max_seq() > seq, "the save was published");

    let after = t.get(&format!("/api/v1/events/{id}")).await.json();
    assert_eq!(after["point"], json!({"lat": 51.0345, "lon": 17.1478}), "{after}");
    assert_eq!(after["image_url"], before["image_url"], "{after}");
    assert_eq!(after["accessibility"], before["accessibility"], "{after}");
    // And everything the form does show came back unchanged too.
    for k in ["title", "description", "starts_at", "ends_at", "all_day", "place_name", "organiser", "rrule", "cancelled", "category"] {
        assert_eq!(after[k], before[k], "{k}");
    }
    // So did the copy the apps received by sync.
    let sync = t.get("/api/v1/sync?limit=2000").await.json();
    let synced = sync["changes"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["item"]["collection"] == "events" && c["item"]["data"]["id"] == id)
        .expect("the event in the sync feed");
    assert_eq!(synced["item"]["data"]["accessibility"], before["accessibility"]);

    // A change made in the form still lands, and still keeps the rest.
    let mut changed = fields.clone();
    for (k, v) in changed.iter_mut() {
        if k == "title" {
            *v = "Koncert jazzowy w parku (nowa godzina)".into();
        }
    }
    let r = form_post(&t, &format!("/admin/events/{id}"), &cookie, &encode_form(&changed)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = t.get(&format!("/api/v1/events/{id}")).await.json();
    assert_eq!(after["title"], "Koncert jazzowy w parku (nowa godzina)");
    assert_eq!(after["image_url"], before["image_url"]);

    // A new event made in the form has none of them, as before.
    let mut fresh: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "rrule").collect();
    for (k, v) in fresh.iter_mut() {
        if k == "title" {
            *v = "Nowe wydarzenie".into();
        }
    }
    let r = form_post(&t, "/admin/events", &cookie, &encode_form(&fresh)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let all = t.get("/api/v1/events").await.json();
    let made = all.as_array().unwrap().iter().find(|e| e["title"] == "Nowe wydarzenie").unwrap();
    assert!(made.get("image_url").is_none() && made.get("point").is_none(), "{made}");
}

// ---------- finding 10 ----------

#[tokio::test]
async fn finding_10_noncharacters_and_controls_in_resident_text_are_refused_with_a_clear_400() {
    let t = app().await;
    let token = device(&t).await;
    let seq = t.max_seq();
    let with = |field: &str, bad: char| {
        let mut body = lamp("Latarnia przy przystanku nie świeci od tygodnia.");
        match field {
            "description" => body["description"] = json!(format!("Latarnia nie świeci od tygodnia{bad}.")),
            "address" => body["address"] = json!(format!("ul. Kolejowa 1{bad}")),
            "answers.kind" => body["answers"]["kind"] = json!(format!("not_lit{bad}")),
            "contact.name" => body["contact"] = json!({"name": format!("Jan{bad}")}),
            _ => unreachable!(),
        }
        body
    };
    for field in ["description", "address", "answers.kind", "contact.name"] {
        for bad in ['\u{FFFE}', '\u{FFFF}', '\u{FDD0}', '\u{1FFFE}', '\u{1}', '\u{1B}'] {
            let r = post_report(&t, &token, &with(field, bad)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field} {bad:?}: {}", r.text());
            let e = r.json();
            assert_eq!(e["code"], "invalid_field", "{e}");
            assert_eq!(e["field"], field, "{e}");
            assert!(!e["message"]["pl"].as_str().unwrap().is_empty() && !e["message"]["en"].as_str().unwrap().is_empty());
        }
    }
    // Open311's POST goes through the same validation.
    let form = format!(
        "api_key={token}&service_code=street_lamp&lat=51.0335&long=17.15&attribute%5Bkind%5D=not_lit&description={}",
        enc("Latarnia nie świeci od tygodnia\u{FFFE}.")
    );
    let req = Request::builder()
        .method("POST")
        .uri("/open311/v2/requests.json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("description"), "{}", r.text());
    assert_eq!(t.max_seq(), seq, "nothing was stored");
    // Ordinary Polish text and emoji still pass.
    new_report(&t, &token, "Latarnia „na rogu” nie świeci 💡 — od tygodnia.").await;
}

#[tokio::test]
async fn finding_10_a_stored_noncharacter_still_gives_well_formed_open311_xml_and_a_valid_ezd_package() {
    let t = app().await;
    let token = device(&t).await;
    let id = new_report(&t, &token, "Latarnia przy przystanku nie świeci od tygodnia.").await;
    let other = new_report(&t, &token, "Druga latarnia obok też nie świeci.").await;
    // As an older version could have stored it: U+FFFE and U+FFFF in the
    // description and the address, written straight into the database.
    let sql = t.sql();
    let mut data: serde_json::Value =
        serde_json::from_str(&sql.text("SELECT data FROM reports WHERE id = ?1", &[id.into()]).unwrap()).unwrap();
    data["description"] = "Latarnia nie świeci\u{FFFE} od tygodnia\u{FFFF} & <dłużej>.".into();
    data["address"] = "ul. Kolejowa\u{FFFE} 1".into();
    let n = sql.execute("UPDATE reports SET data = ?2 WHERE id = ?1", &[id.into(), data.to_string().into()]);
    assert_eq!(n, 1);
    let stored = t.get(&format!("/api/v1/reports/{id}")).await.json();
    assert!(stored["description"].as_str().unwrap().contains('\u{FFFE}'), "the bad text is really stored: {stored}");

    // Open311 XML: the whole feed and the single request parse.
    let dir = tempfile::tempdir().unwrap();
    for uri in ["/open311/v2/requests.xml", &format!("/open311/v2/requests/{id}.xml")] {
        let r = t.get(uri).await;
        assert_eq!(r.status, StatusCode::OK);
        let xml = r.text();
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{uri} is not well-formed: {e}"));
        let desc = doc
            .descendants()
            .filter(|n| n.has_tag_name("request"))
            .find(|n| n.children().any(|c| c.has_tag_name("service_request_id") && c.text() == Some(&id.to_string())))
            .and_then(|n| n.children().find(|c| c.has_tag_name("description")))
            .and_then(|n| n.text())
            .unwrap()
            .to_owned();
        assert_eq!(desc, "Latarnia nie świeci od tygodnia & <dłużej>.");
        if uri.ends_with("requests.xml") {
            let count = doc.descendants().filter(|n| n.has_tag_name("request")).count();
            assert_eq!(count, 2, "the other report ({other}) is still in the feed");
        }
        let f = dir.path().join("requests.xml");
        std::fs::write(&f, &xml).unwrap();
        if xmllint_available() {
            xmllint(&f, None).unwrap_or_else(|e| panic!("{uri}: {e}"));
        }
    }

    // The EZD package of that report, through the real bridge and adapter.
    let ezd_dir = t.dir.path().join("ezd");
    let package = Arc::new(mm_server::ezd::package::PackageEzd::new(&ezd_dir).unwrap());
    let bridge = mm_server::ezd::bridge::Bridge::new(
        t.state.store.clone(),
        package,
        Default::default(),
        t.state.clock.clone(),
    );
    assert!(bridge.deliver_due().await.unwrap() >= 2);
    assert!(t.store.jobs(JobFilter { state: Some(JobState::Dead), kind: None, limit: 10 }).await.unwrap().is_empty());
    let pkg = std::fs::read_dir(&ezd_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(&format!("MM-ZGL-{id}-")))
        .expect("the report's package");
    let metadata = pkg.join("metadata.xml");
    let xml = std::fs::read_to_string(&metadata).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed metadata.xml");
    let opis = doc.descendants().find(|n| n.has_tag_name("opis")).unwrap().text().unwrap();
    assert!(!opis.contains('\u{FFFE}') && opis.contains("Latarnia nie świeci"), "{opis}");
    if xmllint_available() {
        let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ezd/schema/paczka.xsd");
        xmllint(&metadata, Some(&xsd)).unwrap_or_else(|e| panic!("metadata.xml fails the XSD: {e}"));
    }
}

// ---------- finding 16 ----------

#[tokio::test]
async fn finding_16_bulk_actions_and_the_api_validate_a_status_change_like_the_single_form() {
    let t = app().await;
    let token = device(&t).await;
    let a = new_report(&t, &token, "Pierwsza latarnia nie świeci od tygodnia.").await;
    let b = new_report(&t, &token, "Druga latarnia nie świeci od tygodnia.").await;
    let (cookie, csrf) = staff(&t, Role::Dispatcher).await;
    let status_of = |id: i64| {
        let t = &t;
        async move { t.get(&format!("/api/v1/reports/{id}")).await.json()["status"].as_str().unwrap().to_owned() }
    };
    let seq = t.max_seq();
    let audit = t.audit_len().await;

    // The review's E16: a bulk reject without a reply ...
    let r = form_post(&t, "/admin/reports/bulk", &cookie, &format!("csrf={csrf}&id={a}&id={b}&action=reject&public_reply=")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("powodu") || r.text().contains("reason"), "{}", r.text());
    // ... and a bulk accept with a 20,000-character reply (REPLY_MAX is 4000).
    let long = "x".repeat(20_000);
    let r = form_post(&t, "/admin/reports/bulk", &cookie, &format!("csrf={csrf}&id={a}&id={b}&action=accept&public_reply={long}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // A reply with a noncharacter is refused the same way.
    let r = form_post(&t, "/admin/reports/bulk", &cookie, &format!("csrf={csrf}&id={a}&action=accept&public_reply={}", enc("Przyjęte\u{FFFE}"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!((status_of(a).await, status_of(b).await), ("new".to_owned(), "new".to_owned()));
    assert_eq!(t.max_seq(), seq, "nothing was published");
    assert_eq!(t.audit_len().await, audit, "nothing was audited");

    // The single report's form refuses both too (it did before).
    let r = form_post(&t, &format!("/admin/reports/{a}/action"), &cookie, &format!("csrf={csrf}&action=reject&public_reply=")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = form_post(&t, &format!("/admin/reports/{a}/action"), &cookie, &format!("csrf={csrf}&action=accept&public_reply={long}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The API: a rejection without a reason is refused (it was 200).
    let disp = t.official(Role::Dispatcher).await;
    for body in [json!({"status": "rejected"}), json!({"status": "rejected", "public_reply": "   "})] {
        let r = t.call("POST", &format!("/api/v1/reports/{a}/status"), Some(&disp), Some(body)).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "invalid_field"), "{}", r.text());
        assert_eq!(r.json()["field"], "public_reply");
    }
    assert_eq!(status_of(a).await, "new");

    // Valid bulk moves still work, for every selected report.
    let r = form_post(&t, "/admin/reports/bulk", &cookie, &format!("csrf={csrf}&id={a}&id={b}&action=reject&public_reply={}", enc("Poza terenem gminy."))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    for id in [a, b] {
        let rep = t.get(&format!("/api/v1/reports/{id}")).await.json();
        assert_eq!(rep["status"], "rejected");
        assert_eq!(rep["history"].as_array().unwrap().last().unwrap()["public_reply"], "Poza terenem gminy.");
    }
    let r = t
        .call("POST", &format!("/api/v1/reports/{a}/status"), Some(&disp), Some(json!({"status": "accepted", "public_reply": "Jednak przyjęte."})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

// ---------- finding 27 ----------

#[tokio::test]
async fn finding_27_an_unchanged_category_form_save_keeps_forty_questions_and_odd_choice_keys() {
    let t = app().await;
    let admin = t.official(Role::Admin).await;
    let odd_keys = ["a|b", "x | y", "back\\slash", "end\\", "\\|", "<&>\"'", "zażółć gęślą", "1|2|3"];
    let mut attributes: Vec<Value> = (0..40)
        .map(|i| json!({"code": format!("q_{i:02}"), "label_pl": format!("Pytanie {i}"), "label_en": format!("Question {i}"),
            "datatype": if i % 2 == 0 { "string" } else { "number" }, "required": i % 3 == 0}))
        .collect();
    attributes[37] = json!({
        "code": "rodzaj", "label_pl": "Rodzaj | typ", "label_en": "Kind", "datatype": "single_choice", "required": true,
        "values": odd_keys.iter().enumerate().map(|(i, k)| json!({"key": k, "name_pl": format!("Nazwa {i} | PL"), "name_en": format!("Name {i} \\ EN")})).collect::<Vec<_>>(),
    });
    let category = json!({
        "id": "many_questions", "name_pl": "Wiele pytań", "name_en": "Many questions",
        "description_pl": "Opis", "description_en": "Description",
        "attributes": attributes, "target_hours": 48, "active": true,
    });
    let r = t.call("POST", "/api/v1/report-categories", Some(&admin), Some(category.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let (cookie, _) = staff(&t, Role::Admin).await;
    let page = page_get(&t, "/admin/categories/many_questions", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let fields = form_fields(&page.text(), "/admin/categories/many_questions");
    let r = form_post(&t, "/admin/categories/many_questions", &cookie, &encode_form(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());

    let cats = t.get("/api/v1/report-categories").await.json();
    let saved = cats.as_array().unwrap().iter().find(|c| c["id"] == "many_questions").unwrap();
    assert_eq!(saved["attributes"].as_array().unwrap().len(), 40, "every question is kept");
    assert_eq!(saved, &category, "an unchanged save changes nothing");

    // Answers by an odd key are accepted as that key.
    let token = device(&t).await;
    let mut body = lamp("Zgłoszenie w kategorii z wieloma pytaniami.");
    body["category"] = json!("many_questions");
    body["answers"] = json!({"q_00": "tak", "q_03": "12", "q_06": "nie", "q_09": "3", "q_12": "a", "q_15": "1",
        "q_18": "b", "q_21": "2", "q_24": "c", "q_27": "4", "q_30": "d", "q_33": "5", "q_36": "e", "q_39": "6", "rodzaj": "a|b"});
    let r = post_report(&t, &token, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    // Keys an answer could never match, or a form line could not hold, are
    // refused by the API in the first place.
    for key in [" padded ", "two\nlines"] {
        let mut bad = category.clone();
        bad["id"] = json!("bad_keys");
        bad["attributes"][37]["values"][0]["key"] = json!(key);
        let r = t.call("POST", "/api/v1/report-categories", Some(&admin), Some(bad)).await;
        assert_eq!((r.status, r.code().as_str()), (StatusCode::BAD_REQUEST, "invalid_field"), "{key:?}: {}", r.text());
    }
}
