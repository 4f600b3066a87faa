//! The waste schedule's public routes (issue 16, `waste::routes`), over
//! the test backend's store (SQLite, or PostgreSQL with
//! MM_TEST_BACKEND=postgres): address rules resolved through HTTP (ranges,
//! odd/even sides, building type), bad input answered with the field, the
//! ICS feed read back by an independent parser (Python's `icalendar`), the
//! streets and the dictionary, and Czernica's schedule never answering for
//! Siechnice.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Days, NaiveDate, Utc};
use common::{Resp, TestApp};
use mm_protocol::gmina::Teryt;
use mm_server::store::{Actor, Store};
use mm_server::waste::import::{ImportFiles, import};
use serde_json::Value;
use std::sync::Arc;

pub const SIECHNICE: &str = "0223083";
pub const CZERNICA: &str = "0223032";

pub const ZONES: &str = "zone;name;description\n\
A;Siechnice – domy;\n\
B;Radwanice i ul. Polna;\n\
C;Siechnice – ul. Kolejowa, nieparzyste;\n\
E;Siechnice – bloki;\n";

pub const RULES: &str = "locality;street;from;to;parity;building;zone\n\
Radwanice;;;;;;B\n\
Siechnice;;;;;jednorodzinna;A\n\
Siechnice;;;;;wielorodzinna;E\n\
Siechnice;ul. Kolejowa;;;nieparzyste;;C\n\
Siechnice;ul. Kolejowa;2;40;parzyste;;A\n\
Siechnice;Polna;1;10;;;B\n";

pub const DICTIONARY: &str = "item;fraction;note\n\
słoik po dżemie;szkło;bez nakrętki\n\
karton po mleku;metale i tworzywa;opakowanie wielomateriałowe\n\
zużyte baterie;elektroodpady;do PSZOK\n";

/// Today on the Warsaw calendar, plus `days`.
pub fn day(now: DateTime<Utc>, days: u64) -> NaiveDate {
    mm_server::store::waste::local_today(now)
        .checked_add_days(Days::new(days))
        .unwrap()
}

/// Pickups for every zone from today on, plus one in the past.
pub fn pickups(now: DateTime<Utc>) -> String {
    let mut s = String::from("zone;date;fraction;note\n");
    let past = mm_server::store::waste::local_today(now)
        .checked_sub_days(Days::new(10))
        .unwrap();
    s.push_str(&format!("A;{past};zmieszane;\n"));
    for (zone, offset) in [("A", 1), ("B", 2), ("C", 3), ("E", 4)] {
        s.push_str(&format!("{zone};{};zmieszane;\n", day(now, offset)));
        s.push_str(&format!(
            "{zone};{};papier;przesunięte z powodu święta\n",
            day(now, offset + 7)
        ));
        s.push_str(&format!("{zone};{};szkło;\n", day(now, offset + 14)));
    }
    s
}

pub fn files(now: DateTime<Utc>) -> ImportFiles {
    ImportFiles {
        zones: Some(ZONES.into()),
        rules: Some(RULES.into()),
        pickups: Some(pickups(now).into_bytes()),
        dictionary: Some(DICTIONARY.into()),
        pszok: None,
    }
}

/// Both gminas, Siechnice with the schedule above, Czernica with one zone
/// of its own that covers a locality named "Siechnice" too (so a leak
/// between gminas would answer).
pub async fn world() -> (TestApp, Arc<dyn Store>) {
    let t = TestApp::new().await;
    let now = t.state.clock.now();
    t.store
        .add_gmina(
            Actor("test".into()),
            common::gmina_record(SIECHNICE, "Siechnice"),
            now,
        )
        .await
        .unwrap();
    t.store
        .add_gmina(
            Actor("test".into()),
            common::gmina_record(CZERNICA, "Czernica"),
            now,
        )
        .await
        .unwrap();
    let s = t.store.for_gmina(&Teryt::parse(SIECHNICE).unwrap());
    import(s.as_ref(), Actor("test".into()), files(now), now)
        .await
        .unwrap();
    let cz = t.store.for_gmina(&Teryt::parse(CZERNICA).unwrap());
    let cz_files = ImportFiles {
        zones: Some("zone;name\nCZ;Czernica\n".into()),
        rules: Some("locality;zone\nCzernica;CZ\nSiechnice;CZ\nRadwanice;CZ\n".into()),
        pickups: Some(format!("zone;date;fraction\nCZ;{};bio\n", day(now, 5)).into_bytes()),
        dictionary: Some("item;fraction\nopona;gabaryty\n".into()),
        pszok: None,
    };
    import(cz.as_ref(), Actor("test".into()), cz_files, now)
        .await
        .unwrap();
    (t, s)
}

pub async fn get_in(t: &TestApp, gmina: &str, uri: &str) -> Resp {
    t.send(
        Request::builder()
            .uri(uri)
            .header("MM-Gmina", gmina)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn get(t: &TestApp, uri: &str) -> Resp {
    get_in(t, SIECHNICE, uri).await
}

fn zone_of(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["zone"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn address_rules_resolve_through_http() {
    let (t, _) = world().await;
    let q = |query: &str| format!("/api/v1/waste/schedule?{query}");
    let cases = [
        ("locality=Radwanice&number=7", "B"),
        // The odd side of ul. Kolejowa, however it is typed.
        ("locality=Siechnice&street=ul.%20Kolejowa&number=5", "C"),
        ("locality=siechnice&street=KOLEJOWA&number=17b", "C"),
        // The even side's range 2..40; "do 40" takes 40a too.
        ("locality=Siechnice&street=Kolejowa&number=12", "A"),
        ("locality=Siechnice&street=Kolejowa&number=40a", "A"),
        ("locality=Siechnice&street=Kolejowa&number=12%2F3", "A"),
        // Past the range: the locality's rules, by building type.
        (
            "locality=Siechnice&street=Kolejowa&number=42&building=multi_family",
            "E",
        ),
        (
            "locality=Siechnice&street=Kolejowa&number=42&building=single_family",
            "A",
        ),
        ("locality=Siechnice&street=Polna&number=10a", "B"),
        (
            "locality=Siechnice&street=Polna&number=11&building=single_family",
            "A",
        ),
        (
            "locality=Siechnice&street=Szkolna&number=1&building=multi_family",
            "E",
        ),
    ];
    for (query, zone) in cases {
        assert_eq!(zone_of(&get(&t, &q(query)).await), zone, "{query}");
    }

    // The zone depends on the building and the address does not say.
    let r = get(&t, &q("locality=Siechnice&street=Kolejowa&number=42")).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_field".to_owned()),
        "{}",
        r.text()
    );
    assert_eq!(r.json()["field"], "building");
    assert!(
        r.json()["message"]["pl"]
            .as_str()
            .unwrap()
            .contains("zabudowy"),
        "{}",
        r.text()
    );
    // No zone covers it.
    let r = get(&t, &q("locality=Wrocław&number=1")).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "not_found".to_owned()),
        "{}",
        r.text()
    );

    // The answer: the zone, its pickups from today on by date, the import time.
    let r = get(&t, &q("locality=Radwanice&number=7")).await;
    let body = r.json();
    assert_eq!(body["zone"]["name"], "Radwanice i ul. Polna");
    let dates: Vec<&str> = body["pickups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["date"].as_str().unwrap())
        .collect();
    let now = t.state.clock.now();
    assert_eq!(
        dates,
        [
            day(now, 2).to_string(),
            day(now, 9).to_string(),
            day(now, 16).to_string()
        ]
    );
    assert_eq!(body["pickups"][0]["fraction"], "mixed");
    assert_eq!(body["pickups"][1]["note"], "przesunięte z powodu święta");
    assert!(
        body["updated_at"].as_str().unwrap().ends_with('Z'),
        "UTC on the wire: {}",
        body["updated_at"]
    );
    // Zone A's past pickup is history.
    let a = get(&t, &q("locality=Siechnice&street=Kolejowa&number=2"))
        .await
        .json();
    assert_eq!(a["pickups"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let (t, _) = world().await;
    let long = "x".repeat(101);
    let cases = [
        ("number=7".to_owned(), "locality"),
        ("locality=Radwanice".to_owned(), "number"),
        ("locality=Radwanice&number=abc".to_owned(), "number"),
        ("locality=Radwanice&number=0".to_owned(), "number"),
        (
            format!("locality=Radwanice&number={}", "1".repeat(21)),
            "number",
        ),
        (
            format!("locality=Siechnice&street={long}&number=1"),
            "street",
        ),
        (format!("locality={long}&number=1"), "locality"),
        (
            "locality=Radwanice&number=7&building=castle".to_owned(),
            "building",
        ),
        ("locality=Radwanice%01&number=7".to_owned(), "locality"),
    ];
    for (query, field) in cases {
        for path in ["schedule", "schedule.ics"] {
            let r = get(&t, &format!("/api/v1/waste/{path}?{query}")).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{path}?{query}: {}",
                r.text()
            );
            assert_eq!(
                (r.code(), r.json()["field"].as_str()),
                ("invalid_field".to_owned(), Some(field)),
                "{path}?{query}"
            );
            assert!(!r.text().contains(&long), "the input is not echoed");
        }
    }
    let r = get(&t, "/api/v1/waste/streets").await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("locality"))
    );
    let r = get(&t, &format!("/api/v1/waste/streets?locality={long}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn streets_and_the_dictionary() {
    let (t, _) = world().await;
    let r = get(&t, "/api/v1/waste/streets?locality=Siechnice").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json(),
        serde_json::json!(["ul. Kolejowa", "Polna"]),
        "one per street, by name without the prefix"
    );
    assert_eq!(
        get(&t, "/api/v1/waste/streets?locality=Radwanice")
            .await
            .json(),
        serde_json::json!([])
    );
    let r = get(&t, "/api/v1/waste/dictionary").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    let items: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["item"].as_str().unwrap())
        .collect();
    assert_eq!(
        items,
        ["słoik po dżemie", "karton po mleku", "zużyte baterie"]
    );
    assert_eq!(r.json()[1]["fraction"], "metals_plastics");
}

#[tokio::test]
async fn a_gminas_schedule_never_answers_for_another() {
    let (t, _) = world().await;
    // Czernica's rules name "Siechnice" and "Radwanice" too: each gmina
    // answers with its own zones only.
    assert_eq!(
        zone_of(
            &get_in(
                &t,
                CZERNICA,
                "/api/v1/waste/schedule?locality=Radwanice&number=7"
            )
            .await
        ),
        "CZ"
    );
    assert_eq!(
        zone_of(
            &get_in(
                &t,
                SIECHNICE,
                "/api/v1/waste/schedule?locality=Radwanice&number=7"
            )
            .await
        ),
        "B"
    );
    let r = get_in(
        &t,
        SIECHNICE,
        "/api/v1/waste/schedule?locality=Czernica&number=1",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let d = get_in(&t, CZERNICA, "/api/v1/waste/dictionary")
        .await
        .json();
    assert_eq!(
        d,
        serde_json::json!([{"item": "opona", "fraction": "bulky"}])
    );
}

/// The Python with `icalendar` (MM_ICS_PYTHON, set by `make test-rust`);
/// without it the check is skipped with a note, unless
/// MM_REQUIRE_PABUTOOLS=1 says the oracles must be there.
fn ics_python() -> Option<String> {
    match std::env::var("MM_ICS_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("MM_REQUIRE_PABUTOOLS").as_deref() != Ok("1"),
                "MM_REQUIRE_PABUTOOLS=1 but MM_ICS_PYTHON is not set (scripts/pabu-venv.sh)"
            );
            eprintln!(
                "note: MM_ICS_PYTHON not set; the ICS feed is not cross-checked with icalendar"
            );
            None
        }
    }
}

/// Reads an ICS file with Python's icalendar and prints each event as
/// JSON: uid, dtstart, dtend, dtstamp (UTC), summary, description.
const READ_ICS: &str = r#"
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
# icalendar keeps an X- property as written (TEXT escapes and all).
name = str(cal.get("X-WR-CALNAME")).replace("\\,", ",").replace("\\;", ";")
out = {"name": name, "events": []}
for ev in cal.walk("VEVENT"):
    stamp = ev.decoded("DTSTAMP")
    out["events"].append({
        "uid": str(ev.get("UID")),
        "start": ev.decoded("DTSTART").isoformat(),
        "end": ev.decoded("DTEND").isoformat(),
        "stamp": stamp.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if stamp.utcoffset() is not None and stamp.utcoffset().total_seconds() == 0 else "?"),
        "summary": str(ev.get("SUMMARY")),
        "description": str(ev.get("DESCRIPTION")),
    })
print(json.dumps(out))
"#;

#[tokio::test]
async fn the_ics_feed_parses_with_an_independent_parser() {
    let (t, _) = world().await;
    let query = "locality=Siechnice&street=ul.%20Kolejowa&number=5";
    let json = get(&t, &format!("/api/v1/waste/schedule?{query}"))
        .await
        .json();
    let r = get(&t, &format!("/api/v1/waste/schedule.ics?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text();
    assert!(ics.contains("\r\n") && ics.starts_with("BEGIN:VCALENDAR"));
    // The same schedule is the same bytes: the ETag answers 304.
    let etag = r.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = t
        .send(
            Request::builder()
                .uri(format!("/api/v1/waste/schedule.ics?{query}"))
                .header("MM-Gmina", SIECHNICE)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    let Some(python) = ics_python() else { return };
    let mut child = std::process::Command::new(&python)
        .args(["-c", READ_ICS])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["name"], "Odbiór odpadów: Siechnice, ul. Kolejowa 5");
    let events = parsed["events"].as_array().unwrap();
    let pickups = json["pickups"].as_array().unwrap();
    assert_eq!(events.len(), pickups.len(), "one event per pickup");
    // DTSTAMP is the import time in UTC, to the second.
    let updated: DateTime<Utc> = json["updated_at"].as_str().unwrap().parse().unwrap();
    let stamp = format!("{}Z", updated.format("%Y-%m-%dT%H:%M:%S"));
    for (e, p) in events.iter().zip(pickups) {
        let date: NaiveDate = p["date"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            e["start"],
            date.to_string(),
            "an all-day event on the pickup's date"
        );
        assert_eq!(e["end"], date.succ_opt().unwrap().to_string());
        assert_eq!(e["stamp"], stamp);
        // Standard fractions' UID token is their code.
        let token = p["fraction"].as_str().unwrap();
        assert_eq!(
            e["uid"],
            format!(
                "waste-C-{}-{token}@{SIECHNICE}.mmieszkaniec",
                date.format("%Y%m%d")
            )
        );
        assert!(
            e["summary"].as_str().unwrap().starts_with("Odbiór: "),
            "{e}"
        );
    }
    assert_eq!(events[0]["summary"], "Odbiór: Odpady zmieszane");
    assert!(
        events[1]["description"]
            .as_str()
            .unwrap()
            .contains("przesunięte z powodu święta"),
        "{}",
        events[1]
    );
    assert!(
        events[1]["description"]
            .as_str()
            .unwrap()
            .contains("niebieski"),
        "the bin colour: {}",
        events[1]
    );
}
