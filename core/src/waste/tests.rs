//! The waste schedule in the core against a loopback server speaking the
//! routes of `server/src/waste/routes.rs`, with real store files: adding
//! (checked by the server, or kept unchecked offline), reading offline
//! after a restart, the dictionary without diacritics, reminders at 18:00
//! Warsaw across both DST changes of 2027.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use mm_protocol::waste::{BuildingType, Fraction, ReminderPrefs};
use serde_json::{Value, json};

use super::model::{AddressCheck, WasteAddressInput};
use crate::sync::model::SyncOptions;
use crate::testing::*;
use crate::{Core, CoreError};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn input(street: Option<&str>, number: &str, building: Option<BuildingType>, label: Option<&str>) -> WasteAddressInput {
    WasteAddressInput {
        locality: "Siechnice".into(),
        street: street.map(Into::into),
        number: number.into(),
        building,
        label: label.map(Into::into),
    }
}

/// `GET /waste/schedule`'s answer: a zone and its pickups `(date, fraction)`.
fn schedule(zone: &str, pickups: &[(&str, &str)]) -> Reply {
    let pickups: Vec<Value> = pickups.iter().map(|(d, f)| json!({"zone": zone, "date": d, "fraction": f})).collect();
    Reply::Json(
        200,
        json!({"zone": {"id": zone, "name": format!("Rejon {zone}")}, "pickups": pickups,
               "updated_at": "2026-11-30T10:00:00Z"}),
    )
}

fn dictionary() -> Reply {
    Reply::Json(
        200,
        json!([
            {"item": "słoik po dżemie", "fraction": "glass", "note": "bez nakrętki"},
            {"item": "szkło okienne", "fraction": "mixed", "note": "nie do pojemnika na szkło"},
            {"item": "butelka szklana", "fraction": "glass"},
            {"item": "karton po mleku", "fraction": "metals_plastics"}
        ]),
    )
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        json!({"code": "not_found", "message": {"pl": "Nie znaleziono rejonu.", "en": "No zone."}}),
    )
}

fn building_needed() -> Reply {
    Reply::Json(
        400,
        json!({"code": "invalid_field", "field": "building",
               "message": {"pl": "Podaj rodzaj zabudowy.", "en": "Say the building type."}}),
    )
}

fn targets(server: &FakeServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.target).collect()
}

#[tokio::test]
async fn addresses_are_checked_kept_and_read_offline_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    {
        let core = Core::open(config(&dir, &server.url)).unwrap();
        server.reply(schedule("A", &[("2026-12-07", "paper"), ("2026-12-01", "mixed"), ("2026-12-07", "mixed")]));
        server.reply(dictionary());
        let even = core.waste().add_address(&input(Some("ul. Kolejowa"), "6", None, Some("Dom"))).await.unwrap();
        assert_eq!((even.check, even.zone.as_deref(), even.label.as_str()), (AddressCheck::Known, Some("A"), "Dom"));
        server.reply(schedule("B", &[("2026-12-09", "glass"), ("2026-12-03", "bio")]));
        let odd = core.waste().add_address(&input(Some("Kolejowa"), "5", None, None)).await.unwrap();
        assert_eq!(odd.label, "Kolejowa 5, Siechnice", "the address is the default label");
        assert_eq!(odd.zone_name.as_deref(), Some("Rejon B"));
        // The first address brought the dictionary; the second did not ask again.
        assert_eq!(
            targets(&server),
            [
                "/api/v1/waste/schedule?locality=Siechnice&street=ul.+Kolejowa&number=6",
                "/api/v1/waste/dictionary",
                "/api/v1/waste/schedule?locality=Siechnice&street=Kolejowa&number=5",
            ]
        );
        // The same building typed otherwise is on the list already: no request.
        let e = core.waste().add_address(&input(Some("KOLEJOWA"), "5/3", None, None)).await.unwrap_err();
        assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "address"), "{e:?}");
        assert_eq!(server.requests().len(), 3);
    }

    // A restart: everything reads from the store, nothing is asked.
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let list = core.waste().addresses().unwrap();
    assert_eq!(list.iter().map(|a| a.label.as_str()).collect::<Vec<_>>(), ["Dom", "Kolejowa 5, Siechnice"]);
    let screen = core.waste().screen(day("2026-12-03"), 10).unwrap();
    let dates = |i: usize| -> Vec<(String, String)> {
        screen.addresses[i].pickups.iter().map(|p| (p.date.to_string(), p.fraction.fraction.code())).collect()
    };
    // From today on, soonest first; one day's fractions in a fixed order.
    assert_eq!(
        dates(0),
        [("2026-12-07".into(), "mixed".into()), ("2026-12-07".into(), "paper".into())],
        "the past pickup is gone"
    );
    assert_eq!(dates(1), [("2026-12-03".into(), "bio".into()), ("2026-12-09".into(), "glass".into())]);
    let today = &screen.addresses[1].pickups[0];
    assert_eq!((today.when_text.as_str(), today.date_text.as_str()), ("dziś", "cz 3 gru 2026"));
    assert_eq!((today.fraction.label.as_str(), today.fraction.bin_text.as_str()), ("Bioodpady", "brązowy"));
    assert_eq!(screen.addresses[0].pickups[0].when_text, "za 4 dni");
    assert_eq!(core.waste().screen(day("2026-12-03"), 1).unwrap().addresses[0].pickups.len(), 1);
    assert_eq!(core.waste().search("sloik", 10).unwrap()[0].item, "słoik po dżemie");
    // The ICS of an address, offline, with the server's UIDs.
    let ics = core.waste().ics(list[0].id).unwrap();
    assert!(ics.ics.starts_with("BEGIN:VCALENDAR\r\n"), "{}", ics.ics);
    assert_eq!(ics.ics.matches("BEGIN:VEVENT").count(), 3);
    assert!(ics.ics.contains("UID:waste-A-20261207-paper@0223083.mmieszkaniec"), "{}", ics.ics);
    assert_eq!(
        ics.url,
        format!("{}/api/v1/waste/schedule.ics?locality=Siechnice&street=ul.+Kolejowa&number=6", server.url)
    );
    assert_eq!(server.requests().len(), 3, "read offline");

    // Removing one takes its schedule with it.
    core.waste().remove_address(list[0].id).unwrap();
    assert_eq!(core.waste().addresses().unwrap().len(), 1);
    assert_eq!(core.waste().remove_address(list[0].id).unwrap_err().code(), "not_found");
    assert_eq!(core.waste().ics(list[0].id).unwrap_err().code(), "not_found");
    let left: i64 = core.store.read(|c| Ok(c.query_row("SELECT count(*) FROM waste_schedules", [], |r| r.get(0))?)).unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn the_server_refuses_an_unknown_address_and_asks_for_the_building_type() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    server.reply(not_found());
    let e = core.waste().add_address(&input(Some("Nieistniejąca"), "1", None, None)).await.unwrap_err();
    assert_eq!(e, CoreError::WasteAddressUnknown);
    assert_eq!(e.code(), "waste_address_unknown");
    server.reply(building_needed());
    let e = core.waste().add_address(&input(Some("Szkolna"), "1", None, None)).await.unwrap_err();
    assert_eq!(e.code(), "waste_building_type_needed");
    assert!(e.message().pl.contains("rodzaj zabudowy"), "{}", e.message().pl);
    assert!(core.waste().addresses().unwrap().is_empty(), "nothing stored");
    // With the building type, the server answers.
    server.reply(schedule("D", &[("2026-12-05", "mixed")]));
    server.reply(dictionary());
    let a = core.waste().add_address(&input(Some("Szkolna"), "1", Some(BuildingType::MultiFamily), None)).await.unwrap();
    assert_eq!((a.zone.as_deref(), a.building), (Some("D"), Some(BuildingType::MultiFamily)));
    assert!(server.requests()[2].target.ends_with("&number=1&building=multi_family"), "{:?}", targets(&server));
    // Malformed input never leaves the device.
    let asked = server.requests().len();
    for (bad, field) in [(input(Some("Szkolna"), "abc", None, None), "number"), (input(None, "", None, None), "number")] {
        let e = core.waste().add_address(&bad).await.unwrap_err();
        assert!(matches!(&e, CoreError::InvalidInput { field: f, .. } if f == field), "{e:?}");
    }
    let e = core.waste().add_address(&WasteAddressInput { locality: " ".into(), ..input(None, "1", None, None) }).await.unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "locality"), "{e:?}");
    assert_eq!(server.requests().len(), asked);
}

#[tokio::test]
async fn an_address_added_offline_is_checked_by_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    // No answer: the schedule and the dictionary both fail.
    server.reply(Reply::Drop).reply(Reply::Drop);
    let a = core.waste().add_address(&input(Some("Kolejowa"), "5", None, None)).await.unwrap();
    assert_eq!(a.check, AddressCheck::Unchecked);
    assert!(a.check_text.contains("synchronizacji"), "{}", a.check_text);
    assert!(core.waste().screen(day("2026-12-03"), 5).unwrap().addresses[0].pickups.is_empty());
    assert!(core.waste().search("szklo", 5).unwrap().is_empty());
    assert_eq!(core.waste().dictionary_fetched_at().unwrap(), None);
    assert_eq!(core.waste().ics(a.id).unwrap_err().code(), "invalid_input");

    // The sync: registration, one page, then the address and the dictionary.
    server.reply(registered()).reply(Reply::Json(200, page(vec![], "1", false)));
    server.reply(schedule("B", &[("2026-12-09", "glass")])).reply(dictionary());
    core.sync(SyncOptions::default(), None).await.unwrap();
    let a = core.waste().address(a.id).unwrap();
    assert_eq!((a.check, a.zone.as_deref(), a.check_text.as_str()), (AddressCheck::Known, Some("B"), ""));
    // "szklo" finds "szkło"; then, as it names the glass bin, what goes
    // there ("szklana" is not "szkło" by itself).
    let hits = core.waste().search("szklo", 5).unwrap();
    assert_eq!(
        hits.iter().map(|h| h.item.as_str()).collect::<Vec<_>>(),
        ["szkło okienne", "butelka szklana", "słoik po dżemie"]
    );
    assert_eq!(hits[0].fraction.label, "Odpady zmieszane");
    assert_eq!(hits[0].note.as_deref(), Some("nie do pojemnika na szkło"));
    assert_eq!((hits[1].fraction.label.as_str(), hits[1].fraction.bin_text.as_str()), ("Szkło", "zielony"));
    assert_eq!(core.waste().search("SZKLO", 1).unwrap().len(), 1, "the limit holds");
    // A bin by another name, or an item: nothing else is added.
    assert_eq!(core.waste().search("plastik", 5).unwrap()[0].item, "karton po mleku");
    assert_eq!(core.waste().search("dzem", 5).unwrap().len(), 1);
    assert!(core.waste().search("bi", 5).unwrap().is_empty(), "two letters name no bin");

    // The gmina changes its rules: the next sync marks the address and
    // drops its dates (no reminder for a day that is not its own); the
    // dictionary is fresh and not asked again.
    // (The device is registered now: no registration this time.)
    server.reply(Reply::Json(200, page(vec![], "2", false)));
    server.reply(building_needed());
    core.sync(SyncOptions::default(), None).await.unwrap();
    let a = core.waste().address(a.id).unwrap();
    assert_eq!((a.check, a.zone), (AddressCheck::BuildingTypeNeeded, None));
    assert!(core.waste().reminders(utc("2026-01-01T00:00:00Z"), utc("2028-01-01T00:00:00Z")).unwrap().is_empty());
    assert_eq!(targets(&server).iter().filter(|t| t.ends_with("/waste/dictionary")).count(), 2, "{:?}", targets(&server));
}

#[tokio::test]
async fn a_sync_without_addresses_asks_nothing_about_waste() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    let core = Core::open(config(&dir, &server.url)).unwrap();
    server.reply(registered()).reply(Reply::Json(200, page(vec![], "1", false)));
    core.sync(SyncOptions::default(), None).await.unwrap();
    assert!(!targets(&server).iter().any(|t| t.contains("/waste/")), "{:?}", targets(&server));
}

#[tokio::test]
async fn reminders_are_18_00_warsaw_on_both_sides_of_each_dst_change() {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeServer::start().await;
    {
        let core = Core::open(config(&dir, &server.url)).unwrap();
        server.reply(schedule(
            "A",
            &[("2027-03-28", "mixed"), ("2027-03-29", "paper"), ("2027-10-31", "glass"), ("2027-11-01", "bio")],
        ));
        server.reply(dictionary());
        core.waste().add_address(&input(Some("Kolejowa"), "6", None, Some("Dom"))).await.unwrap();
        assert_eq!(core.waste().reminder_prefs().unwrap(), ReminderPrefs::default());
    }
    let core = Core::open(config(&dir, &server.url)).unwrap();
    let year = (utc("2027-01-01T00:00:00Z"), utc("2028-01-01T00:00:00Z"));
    let r = core.waste().reminders(year.0, year.1).unwrap();
    let at: Vec<String> = r.iter().map(|r| r.at.to_rfc3339()).collect();
    assert_eq!(
        at,
        [
            // Saturday 27 March, CET (UTC+1).
            "2027-03-27T17:00:00+00:00",
            // Sunday 28 March, the day of the change: CEST (UTC+2).
            "2027-03-28T16:00:00+00:00",
            // Saturday 30 October, still CEST.
            "2027-10-30T16:00:00+00:00",
            // Sunday 31 October, the day of the change: CET again.
            "2027-10-31T17:00:00+00:00",
        ]
    );
    assert_eq!(r[1].title, "Jutro odbiór: Papier");
    assert_eq!(r[1].body, "Dom — pn 29 mar 2027");
    assert_eq!(r[1].key, format!("waste-{}-20270329-paper", r[1].address_id));
    assert_eq!(r[1].fraction.bin_colour_hex, "#1565C0");

    // Two days before at 07:30, paper muted: kept across a restart.
    let prefs = ReminderPrefs {
        days_before: 2,
        at: NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        muted: [Fraction::Paper].into(),
        ..Default::default()
    };
    core.waste().set_reminder_prefs(&prefs).unwrap();
    drop(core);
    let core = Core::open(config(&dir, &server.url)).unwrap();
    assert_eq!(core.waste().reminder_prefs().unwrap(), prefs);
    let r = core.waste().reminders(year.0, year.1).unwrap();
    let at: Vec<String> = r.iter().map(|r| r.at.to_rfc3339()).collect();
    assert_eq!(at, ["2027-03-26T06:30:00+00:00", "2027-10-29T05:30:00+00:00", "2027-10-30T05:30:00+00:00"]);
    assert_eq!(r[0].title, "Pojutrze odbiór: Odpady zmieszane");
    // The window is [from, to).
    assert_eq!(core.waste().reminders(utc("2027-10-29T05:30:00Z"), utc("2027-10-30T05:30:00Z")).unwrap().len(), 1);
    // 1–3 days only; nothing changed.
    let e = core.waste().set_reminder_prefs(&ReminderPrefs { days_before: 4, ..Default::default() }).unwrap_err();
    assert!(matches!(&e, CoreError::InvalidInput { field, .. } if field == "days_before"), "{e:?}");
    assert_eq!(core.waste().reminder_prefs().unwrap(), prefs);
    // Off: none.
    core.waste().set_reminder_prefs(&ReminderPrefs { enabled: false, ..Default::default() }).unwrap();
    assert!(core.waste().reminders(year.0, year.1).unwrap().is_empty());
    assert_eq!(server.requests().len(), 2, "reminders are computed offline");
}
