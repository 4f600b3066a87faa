//! The waste schedule's import (issue 16, `waste::import`, `store::waste`),
//! on the test backend's store: a malformed file changes nothing and every
//! bad line is reported; an import that moves a zone's coming dates
//! notifies the devices subscribed to waste in that zone's localities (and
//! no one else, and not again when the same files come twice); the back
//! office's form (multipart upload, the per-line report, CSRF, roles,
//! another gmina's official, an oversized upload); `mm-server waste import`.

use crate::common;
use crate::security_support;
use crate::waste_api::{SIECHNICE, files, get_in, pickups, world};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use mm_protocol::auth::Role;
use mm_protocol::geo::GeoPoint;
use mm_protocol::gmina::{Locality, LocalityKind, Teryt};
use mm_protocol::waste::FileKind;
use mm_server::notifications::fanout::fan_out;
use mm_server::store::{Actor, Store};
use mm_server::waste::import::{ImportFailure, ImportFiles, import};
use security_support::*;
use serde_json::{Value, json};

/// Everything a reader sees of Siechnice's schedule.
async fn snapshot(s: &dyn Store) -> Value {
    let far = chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let past = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut pickups = Vec::new();
    for z in s.waste_zones().await.unwrap() {
        pickups.extend(s.waste_pickups(&z.id, past, far).await.unwrap());
    }
    json!({
        "zones": s.waste_zones().await.unwrap(),
        "rules": s.waste_rules(None).await.unwrap(),
        "pickups": pickups,
        "dictionary": s.waste_dictionary().await.unwrap(),
        "pszok": s.waste_pszok().await.unwrap(),
        "updated_at": s.waste_updated_at().await.unwrap(),
    })
}

#[tokio::test]
async fn a_malformed_import_changes_nothing_and_reports_every_bad_line() {
    let (t, s) = world().await;
    let before = snapshot(s.as_ref()).await;
    let audit = t.audit_len().await;
    let now = t.state.clock.now();
    let mut bad = files(now);
    bad.pickups = Some(
        format!(
            "{}A;2027-13-01;zmieszane;\nX;2027-01-05;papier;\nA;2027-01-05;plastyk;\n",
            pickups(now)
        )
        .into_bytes(),
    );
    bad.rules = Some(
        format!(
            "{}Siechnice;Polna;5;20;;;A\nSiechnice;Polna;9;3;;;A\n",
            crate::waste_api::RULES
        )
        .into_bytes(),
    );
    bad.dictionary = Some("item;fraction\nsłoik;szkło\nSŁOIK;szkło\n".into());
    let Err(ImportFailure::Refused(errors)) =
        import(s.as_ref(), Actor("test".into()), bad, now).await
    else {
        panic!("a malformed import is refused")
    };
    let found: Vec<(FileKind, usize, Option<&str>)> = errors
        .iter()
        .map(|e| (e.file, e.line, e.column.as_deref()))
        .collect();
    let lines = pickups(now).lines().count();
    for expected in [
        (FileKind::Pickups, lines + 1, Some("date")),
        (FileKind::Pickups, lines + 2, Some("zone")),
        (FileKind::Pickups, lines + 3, Some("fraction")),
    ] {
        assert!(
            found.contains(&expected),
            "{expected:?} reported in {found:?}"
        );
    }
    // Line 8 overlaps Polna 1–10 (zone B, line 7) and names A; line 9's
    // range is backwards; the dictionary's line 3 repeats line 2 folded.
    for (file, line) in [
        (FileKind::Rules, 8),
        (FileKind::Rules, 9),
        (FileKind::Dictionary, 3),
    ] {
        assert!(
            found.iter().any(|e| e.0 == file && e.1 == line),
            "{file:?}:{line} reported in {found:?}"
        );
    }
    assert!(errors.iter().all(|e| !e.pl.is_empty() && !e.en.is_empty()));
    assert_eq!(snapshot(s.as_ref()).await, before, "nothing changed");
    assert_eq!(t.audit_len().await, audit, "nothing audited");

    // A good import of one kind leaves the others as they were.
    let only = ImportFiles {
        dictionary: Some("item;fraction\nobierki;bio\n".into()),
        ..Default::default()
    };
    import(s.as_ref(), Actor("test".into()), only, now)
        .await
        .unwrap();
    let after = snapshot(s.as_ref()).await;
    assert_eq!(after["zones"], before["zones"]);
    assert_eq!(after["pickups"], before["pickups"]);
    assert_eq!(
        after["dictionary"],
        json!([{"item": "obierki", "fraction": "bio"}])
    );
    assert_eq!(t.audit_len().await, audit + 1, "audited");
}

async fn locality(t: &TestApp, id: i64, name: &str) {
    let l = Locality {
        id,
        name: name.into(),
        kind: LocalityKind::Village,
        point: GeoPoint {
            lat: 51.06,
            lon: 17.12,
        },
    };
    t.sql().execute(
        "INSERT INTO localities (gmina, id, data) VALUES (?1, ?2, ?3)",
        &[
            SIECHNICE.into(),
            id.into(),
            serde_json::to_string(&l).unwrap().into(),
        ],
    );
}

async fn device(t: &TestApp, subscription: Value) -> String {
    let send = |method: &str, uri: &str, token: Option<&str>, body: Value| {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("MM-Gmina", SIECHNICE);
        if let Some(tk) = token {
            b = b.header("authorization", format!("Bearer {tk}"));
        }
        b.header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = t
        .send(send(
            "POST",
            "/api/v1/devices",
            None,
            json!({"platform": "android", "app_version": "1.0.0"}),
        ))
        .await;
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let r = t
        .send(send(
            "PUT",
            "/api/v1/notifications/subscription",
            Some(&token),
            subscription,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    token
}

async fn feed_titles(t: &TestApp, token: &str) -> Vec<String> {
    let req = Request::builder()
        .uri("/api/v1/notifications/feed")
        .header("MM-Gmina", SIECHNICE)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}|{}", i["title"], i["body"]))
        .collect()
}

#[tokio::test]
async fn changed_dates_notify_the_zones_subscribers_once() {
    let (t, s) = world().await;
    locality(&t, 5, "Radwanice").await;
    locality(&t, 1, "Siechnice").await;
    let radwanice = device(&t, json!({"topics": ["alerts", "waste"], "areas": [{"kind": "locality", "id": 5}], "lang": "pl"})).await;
    let siechnice = device(&t, json!({"topics": ["alerts", "waste"], "areas": [{"kind": "locality", "id": 1}], "lang": "pl"})).await;
    let no_waste = device(&t, json!({"topics": ["alerts", "news"], "areas": [{"kind": "locality", "id": 5}], "lang": "pl"})).await;
    let now = t.state.clock.now();

    // The same files again: no date changed, nobody is told.
    let done = import(s.as_ref(), Actor("test".into()), files(now), now)
        .await
        .unwrap();
    assert!(
        done.stored.changed_zones.is_empty() && done.stored.notifications.is_empty(),
        "{:?}",
        done.stored
    );

    // Zone B (Radwanice and ul. Polna in Siechnice) moves its mixed waste a day.
    let mut moved = files(now);
    let text = pickups(now).replace(
        &format!("B;{};zmieszane;", crate::waste_api::day(now, 2)),
        &format!("B;{};zmieszane;", crate::waste_api::day(now, 3)),
    );
    assert_ne!(text, pickups(now));
    moved.pickups = Some(text.into_bytes());
    let done = import(s.as_ref(), Actor("test".into()), moved, now)
        .await
        .unwrap();
    assert_eq!(done.stored.changed_zones, ["B"]);
    let [id] = done.stored.notifications[..] else {
        panic!("one notification: {:?}", done.stored)
    };
    let n = s.notification(id).await.unwrap().unwrap();
    assert_eq!(n.target.topic, mm_protocol::notifications::Topic::Waste);
    // Zone B's rules name Radwanice and Siechnice (ul. Polna).
    assert_eq!(n.target.areas.len(), 2, "{:?}", n.target.areas);
    // Its fan-out job was enqueued in the import's transaction.
    assert_eq!(
        t.sql()
            .int("SELECT COUNT(*) FROM jobs WHERE kind = 'push.fanout'", &[]),
        1
    );

    // The job the worker runs, by hand: the Radwanice subscriber gets it.
    fan_out(s.as_ref(), id, now).await.unwrap();
    let feed = feed_titles(&t, &radwanice).await;
    assert_eq!(feed.len(), 1, "{feed:?}");
    assert!(
        feed[0].contains("Zmiana harmonogramu") && feed[0].contains("Radwanice i ul. Polna"),
        "{feed:?}"
    );
    assert_eq!(
        feed_titles(&t, &siechnice).await.len(),
        1,
        "Siechnice is in zone B's rules (ul. Polna)"
    );
    assert!(
        feed_titles(&t, &no_waste).await.is_empty(),
        "waste not subscribed"
    );

    // Zone A only: the Radwanice device hears nothing more.
    let mut a_moved = files(now);
    a_moved.pickups = Some(
        pickups(now)
            .replace(
                &format!("B;{};zmieszane;", crate::waste_api::day(now, 2)),
                &format!("B;{};zmieszane;", crate::waste_api::day(now, 3)),
            )
            .replace(
                &format!("A;{};szkło;", crate::waste_api::day(now, 15)),
                &format!("A;{};szkło;", crate::waste_api::day(now, 16)),
            )
            .into_bytes(),
    );
    let done = import(s.as_ref(), Actor("test".into()), a_moved, now)
        .await
        .unwrap();
    assert_eq!(done.stored.changed_zones, ["A"]);
    let n = s
        .notification(done.stored.notifications[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        n.target.areas,
        vec![mm_protocol::notifications::Area::Locality { id: 1 }]
    );
    fan_out(s.as_ref(), n.id, now).await.unwrap();
    assert_eq!(feed_titles(&t, &radwanice).await.len(), 1);
    assert_eq!(feed_titles(&t, &siechnice).await.len(), 2);
}

/// A `multipart/form-data` body as a browser sends the form.
fn multipart(csrf: Option<&str>, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----mmWasteBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(c) = csrf {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n")
                .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    t: &TestApp,
    cookie: &str,
    gmina: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> common::Resp {
    let mut b = Request::builder()
        .method("POST")
        .uri("/admin/waste/import")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(g) = gmina {
        b = b.header("MM-Gmina", g);
    }
    t.send(b.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn the_back_office_form_imports_reports_and_refuses() {
    let (t, s) = world().await;
    let now = t.state.clock.now();
    let (editor, csrf) = staff(&t, Role::Editor).await;

    let page = page_get(&t, "/admin/waste", &editor).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains("enctype=\"multipart/form-data\"") && html.contains("name=\"pickups\""),
        "the form"
    );
    assert!(
        html.contains("Radwanice i ul. Polna") && html.contains("słoik po dżemie"),
        "zones and the dictionary"
    );
    assert!(
        html.contains(&crate::waste_api::day(now, 2).to_string()),
        "a zone's next pickup"
    );

    // A malformed file: 400, each bad line in the report, nothing changed.
    let before = snapshot(s.as_ref()).await;
    let bad_pickups = format!(
        "{}B;2027-02-30;papier;\nB;2027-03-01;plastyk;\n",
        pickups(now)
    );
    let (ct, body) = multipart(
        Some(&csrf),
        &[
            ("zones", crate::waste_api::ZONES.as_bytes()),
            ("pickups", bad_pickups.as_bytes()),
        ],
    );
    let r = upload(&t, &editor, None, &ct, body).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let html = unescape(&r.text());
    let lines = pickups(now).lines().count();
    assert!(
        html.contains("Import odrzucony") && html.contains("Nic nie zostało zmienione"),
        "{html}"
    );
    assert!(
        html.contains(&format!("<td class=\"num\">{}</td>", lines + 1))
            && html.contains(&format!("<td class=\"num\">{}</td>", lines + 2))
    );
    assert!(
        html.contains("Data musi mieć postać RRRR-MM-DD") && html.contains("Nieznana frakcja"),
        "Polish reasons"
    );
    assert_eq!(snapshot(s.as_ref()).await, before, "nothing changed");

    // Refused without touching anything: no CSRF token, a dispatcher, a
    // department official, Czernica's admin (with or without naming
    // Siechnice), a body over the limit.
    let good = |csrf: Option<&str>| {
        multipart(
            csrf,
            &[("dictionary", b"item;fraction\nobierki;bio\n".as_slice())],
        )
    };
    let (ct, body) = good(None);
    assert_eq!(
        upload(&t, &editor, None, &ct, body).await.status,
        StatusCode::FORBIDDEN
    );
    let (dispatcher, dcsrf) = staff(&t, Role::Dispatcher).await;
    let (ct, body) = good(Some(&dcsrf));
    assert_eq!(
        upload(&t, &dispatcher, None, &ct, body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page_get(&t, "/admin/waste", &dispatcher).await.status,
        StatusCode::FORBIDDEN
    );
    let (official, ocsrf) = department_official(&t, None).await;
    let (ct, body) = good(Some(&ocsrf));
    assert_eq!(
        upload(&t, &official, None, &ct, body).await.status,
        StatusCode::FORBIDDEN
    );
    let cz = t
        .store
        .for_gmina(&Teryt::parse(crate::waste_api::CZERNICA).unwrap());
    let cz_login = format!("admin-cz-{}", uuid::Uuid::new_v4().simple());
    let hash = mm_server::auth::password::hash(PASS).unwrap();
    cz.create_user(Actor("test".into()), &cz_login, Role::Admin, &hash)
        .await
        .unwrap();
    common::enrol_admin(&t.state, &cz_login).await;
    let (cz_cookie, cz_csrf) = sign_in(&t, &cz_login).await;
    let (ct, body) = good(Some(&cz_csrf));
    let r = upload(&t, &cz_cookie, Some(SIECHNICE), &ct, body).await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.text());
    let huge = vec![b'x'; mm_server::admin::waste::UPLOAD_MAX + 1];
    let (ct, body) = multipart(Some(&csrf), &[("dictionary", &huge)]);
    assert_eq!(
        upload(&t, &editor, None, &ct, body).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let (ct, _) = good(Some(&csrf));
    assert_eq!(
        upload(&t, &editor, None, &ct, b"not multipart".to_vec())
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(snapshot(s.as_ref()).await, before, "nothing changed");

    // A good upload, then the same form replayed: the same schedule, no
    // notification (no date changed).
    let p = pickups(now);
    let all: [(&str, &[u8]); 4] = [
        ("zones", crate::waste_api::ZONES.as_bytes()),
        ("rules", crate::waste_api::RULES.as_bytes()),
        ("pickups", p.as_bytes()),
        ("dictionary", b"item;fraction;note\nobierki;bio;\n"),
    ];
    for _ in 0..2 {
        let (ct, body) = multipart(Some(&csrf), &all);
        let r = upload(&t, &editor, None, &ct, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(
            r.text().contains("Zaimportowano harmonogram"),
            "{}",
            r.text()
        );
    }
    let after = snapshot(s.as_ref()).await;
    assert_eq!(after["pickups"], before["pickups"]);
    assert_eq!(
        after["dictionary"],
        json!([{"item": "obierki", "fraction": "bio"}])
    );
    assert!(
        s.notifications(10).await.unwrap().is_empty(),
        "no date changed, nobody notified"
    );
    let r = get_in(&t, SIECHNICE, "/api/v1/waste/dictionary").await;
    assert_eq!(r.json()[0]["item"], "obierki");
}

#[tokio::test]
async fn the_cli_imports_a_directory_and_refuses_a_bad_one() {
    let (t, s) = world().await;
    let now = t.state.clock.now();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("zones.csv"), crate::waste_api::ZONES).unwrap();
    std::fs::write(dir.path().join("rules.csv"), crate::waste_api::RULES).unwrap();
    std::fs::write(dir.path().join("pickups.csv"), pickups(now)).unwrap();
    std::fs::write(
        dir.path().join("pszok.csv"),
        "name;address;lat;lon;opening_hours;accepts\nPSZOK Testowy;ul. Kolejowa 1, Siechnice;51,0270;17,1620;Tu-Fr 10:00-18:00; Sa 08:00-14:00;\"opony, gruz\"\n"
            .replace("Tu-Fr 10:00-18:00; Sa 08:00-14:00", "\"Tu-Fr 10:00-18:00; Sa 08:00-14:00\""),
    )
    .unwrap();
    let out = mm_server::waste::cli::import_dir(s.as_ref(), dir.path())
        .await
        .unwrap();
    assert!(
        out.contains("zones: 4")
            && out.contains("dictionary: unchanged")
            && out.contains("1 created"),
        "{out}"
    );
    // The PSZOK is a place on the map, with its hours.
    let places = s
        .list_places(mm_server::store::PlaceFilter {
            category: Some("waste_point".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!(
        places[0].opening_hours.as_deref(),
        Some("Tu-Fr 10:00-18:00; Sa 08:00-14:00")
    );
    assert!(places[0].description_pl.contains("opony, gruz"));
    // Again: the place is unchanged.
    let out = mm_server::waste::cli::import_dir(s.as_ref(), dir.path())
        .await
        .unwrap();
    assert!(out.contains("0 created, 0 updated"), "{out}");

    std::fs::write(dir.path().join("zones.csv"), "zone;name\nA B;spacja\n").unwrap();
    let before = snapshot(s.as_ref()).await;
    let e = mm_server::waste::cli::import_dir(s.as_ref(), dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nothing was changed") && e.contains("zones.csv:2 [zone]"),
        "{e}"
    );
    assert_eq!(snapshot(s.as_ref()).await, before);
    let empty = tempfile::tempdir().unwrap();
    assert!(
        mm_server::waste::cli::import_dir(s.as_ref(), empty.path())
            .await
            .is_err()
    );
}
