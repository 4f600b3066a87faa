//! The waste-collection schedule from the resident's side (issue 16 §5–§6),
//! `mm` against a real `mm-server --demo` (Siechnice: zone A the houses
//! and the even side of ul. Kolejowa, collected on Mondays; B the odd side,
//! Wednesdays; D the blocks of flats, Saturdays; `server/src/demo/waste.rs`).
//! Addresses on both sides of one street and a block land in different
//! zones, the server asks for the building type where it matters, the ICS
//! `mm waste ics` prints parses and carries the server feed's events, and
//! with the server stopped the schedule, the dictionary and the ICS are
//! still read from the device.

use std::collections::BTreeSet;
use std::process::Output;

use anyhow::Result;
use chrono::{Datelike, NaiveDate, Timelike, Utc, Weekday};
use mm_e2e::{Mm, Server};
use serde_json::Value;

fn failed_with(out: &Output, code: &str) -> bool {
    !out.status.success() && String::from_utf8_lossy(&out.stderr).contains(&format!("Kod / code: {code}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn add(mm: &Mm, args: &[&str]) -> Result<Value> {
    let mut all = vec!["waste", "address", "add", "--locality", "Siechnice"];
    all.extend_from_slice(args);
    mm.json(&all)
}

/// The demo's dates run to 2027-11-30 (`demo::waste::LAST_DAY`); past a
/// week before that the pickups' checks have nothing to look at.
fn demo_has_dates(today: NaiveDate) -> bool {
    today <= NaiveDate::from_ymd_opt(2027, 11, 23).unwrap()
}

fn dates(screen: &Value, i: usize) -> Vec<(NaiveDate, bool)> {
    screen["addresses"][i]["pickups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["date"].as_str().unwrap().parse().unwrap(), p["note"].is_null()))
        .collect()
}

fn uids(ics: &str) -> Result<BTreeSet<String>> {
    let cal = ical::IcalParser::new(ics.as_bytes()).next().expect("one calendar")?;
    Ok(cal
        .events
        .iter()
        .map(|e| e.properties.iter().find(|p| p.name == "UID").and_then(|p| p.value.clone()).expect("a UID"))
        .collect())
}

#[test]
fn addresses_land_in_their_zones_and_read_offline_with_the_dictionary_and_the_ics() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(&tmp.path().join("server"), true)?;
    let mm = Mm::new(&tmp.path().join("app"), &server.url);
    let today = mm_core::display::local_day(Utc::now());

    // ul. Kolejowa: odd and even sides in different zones, however typed.
    let odd = add(&mm, &["--street", "ul. Kolejowa", "--number", "5", "--label", "Dom"])?;
    assert_eq!((odd["zone"].as_str(), odd["check"].as_str(), odd["label"].as_str()), (Some("B"), Some("known"), Some("Dom")), "{odd}");
    let even = add(&mm, &["--street", "kolejowa", "--number", "6a"])?;
    assert_eq!(even["zone"], "A", "{even}");
    // A house and a block on ul. Szkolna differ: the server asks which.
    let out = mm.run(&["waste", "address", "add", "--locality", "Siechnice", "--street", "Szkolna", "--number", "1"])?;
    assert!(failed_with(&out, "waste_building_type_needed"), "{}", stderr(&out));
    assert!(stderr(&out).contains("rodzaj zabudowy"), "{}", stderr(&out));
    let block = add(&mm, &["--street", "Szkolna", "--number", "1", "--building", "multi", "--label", "Blok"])?;
    assert_eq!((block["zone"].as_str(), block["building"].as_str()), (Some("D"), Some("multi_family")), "{block}");
    // No zone anywhere; a building type the CLI does not know; a bad number.
    let out = mm.run(&["waste", "address", "add", "--locality", "Wrocław", "--number", "1"])?;
    assert!(failed_with(&out, "waste_address_unknown"), "{}", stderr(&out));
    let out = mm.run(&["waste", "address", "add", "--locality", "Siechnice", "--number", "1", "--building", "castle"])?;
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", stderr(&out));
    assert!(stderr(&out).contains("single"), "{}", stderr(&out));
    let out = mm.run(&["waste", "address", "add", "--locality", "Siechnice", "--number", "abc"])?;
    assert!(failed_with(&out, "invalid_input"), "{}", stderr(&out));
    let list = mm.json(&["waste", "address", "list"])?;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");

    // Next collections per address: soonest first, each zone on its day.
    let screen = mm.json(&["waste", "--limit", "12"])?;
    let zones: Vec<&str> = screen["addresses"].as_array().unwrap().iter().map(|a| a["address"]["zone"].as_str().unwrap()).collect();
    assert_eq!(zones, ["B", "A", "D"]);
    if demo_has_dates(today) {
        for (i, weekday) in [(0, Weekday::Wed), (1, Weekday::Mon), (2, Weekday::Sat)] {
            let d = dates(&screen, i);
            assert!(!d.is_empty(), "{screen}");
            assert!(d.windows(2).all(|w| w[0].0 <= w[1].0), "sorted: {d:?}");
            assert!(d.iter().all(|(date, _)| *date >= today), "{d:?}");
            // A pickup a holiday moved says so; the rest are on the zone's day.
            assert!(d.iter().filter(|(_, regular)| *regular).all(|(date, _)| date.weekday() == weekday), "{i}: {d:?}");
        }
        let first = &screen["addresses"][0]["pickups"][0];
        assert!(!first["label"].as_str().unwrap().is_empty() && first["bin_colour_hex"].as_str().unwrap().starts_with('#'), "{first}");
        // The block has no ash (district heating); the houses have it in winter.
        let fractions = |i: usize| -> Vec<String> {
            let s = mm.json(&["waste", "--limit", "100"]).unwrap();
            s["addresses"][i]["pickups"].as_array().unwrap().iter().map(|p| p["fraction"].as_str().unwrap().to_owned()).collect()
        };
        assert!(!fractions(2).contains(&"ash".to_owned()));
    }

    // The ICS: without --address it must be told which of three; with it,
    // a calendar an independent parser reads, with the server feed's events.
    let out = mm.run(&["waste", "ics"])?;
    assert!(failed_with(&out, "invalid_input"), "{}", stderr(&out));
    let even_id = even["id"].to_string();
    let ics = mm.json(&["waste", "ics", "--address", &even_id])?;
    let text = ics["ics"].as_str().unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("BEGIN:VEVENT"), "{text}");
    let mine = uids(text)?;
    assert!(mine.iter().all(|u| u.starts_with("waste-A-") && u.ends_with("@0223083.mmieszkaniec")), "{mine:?}");
    let url = ics["url"].as_str().unwrap();
    assert!(url.starts_with(&server.url) && url.contains("/api/v1/waste/schedule.ics?"), "{url}");
    let feed = mm_e2e::reqwest::blocking_client()
        .get(url)
        .header(mm_protocol::gmina::GMINA_HEADER, "0223083")
        .send()?
        .error_for_status()?
        .text()?;
    assert_eq!(uids(&feed)?, mine, "the device's file has the server feed's events");
    if demo_has_dates(today) {
        assert!(mine.len() > 10, "{}", mine.len());
    }

    // Reminders: the evening before at 18:00 Warsaw by default.
    let r = mm.json(&["waste", "reminders"])?;
    assert_eq!((r["prefs"]["days_before"].as_u64(), r["prefs"]["at"].as_str()), (Some(1), Some("18:00:00")), "{r}");
    if demo_has_dates(today) {
        let list = r["reminders"].as_array().unwrap();
        assert!(!list.is_empty(), "{r}");
        for x in list {
            let at: chrono::DateTime<Utc> = x["at"].as_str().unwrap().parse()?;
            let local = at.with_timezone(&chrono_tz::Europe::Warsaw);
            assert_eq!((local.hour(), local.minute()), (18, 0), "{x}");
            let date: NaiveDate = x["date"].as_str().unwrap().parse()?;
            assert_eq!(local.date_naive().succ_opt(), Some(date), "{x}");
        }
    }
    let out = mm.run(&["waste", "reminders", "--days", "5"])?;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let r = mm.json(&["waste", "reminders", "--days", "2", "--at", "07:30", "--mute", "papier"])?;
    assert_eq!((r["prefs"]["days_before"].as_u64(), r["prefs"]["muted"][0].as_str()), (Some(2), Some("paper")), "{r}");
    assert!(r["reminders"].as_array().unwrap().iter().all(|x| x["fraction"] != "paper"), "{r}");

    // The server goes away: everything below is read from the device.
    server.stop()?;
    let hits = mm.json(&["waste", "search", "szklo"])?;
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty() && hits.iter().all(|h| h["fraction"] == "glass"), "{hits:?}");
    let hits = mm.json(&["waste", "search", "SLOIK"])?;
    assert!(hits.as_array().unwrap().iter().any(|h| h["item"] == "słoik"), "{hits}");
    let again = mm.json(&["waste", "--limit", "12"])?;
    assert_eq!(again["addresses"], screen["addresses"], "the same offline");
    let offline = mm.json(&["waste", "ics", "--address", &even_id])?;
    assert_eq!(offline["ics"], ics["ics"]);
    // Adding offline keeps the address, to be checked by the next sync.
    let kept = add(&mm, &["--street", "Kolejowa", "--number", "8"])?;
    assert_eq!((kept["check"].as_str(), &kept["zone"]), (Some("unchecked"), &Value::Null), "{kept}");
    Ok(())
}
