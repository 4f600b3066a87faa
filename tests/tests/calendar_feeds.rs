//! The ICS feeds a resident subscribes to, read by an independent iCalendar
//! parser (the `ical` crate), checked against the API's own event data.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Europe::Warsaw;
use mm_e2e::Server;
use serde_json::Value;

fn prop<'a>(ev: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Option<&'a ical::property::Property> {
    ev.properties.iter().find(|p| p.name == name)
}

#[test]
fn calendar_feed_parses_and_matches_the_api() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server = Server::start(tmp.path(), true)?;
    let http = mm_e2e::reqwest::blocking_client();
    let events: Vec<Value> = http.get(format!("{}/api/v1/events", server.url)).send()?.json()?;

    let resp = http.get(format!("{}/api/v1/calendar.ics", server.url)).send()?;
    assert_eq!(resp.status(), 200);
    let ctype = resp.headers()["content-type"].to_str()?.to_string();
    assert!(ctype.starts_with("text/calendar"), "{ctype}");
    let text = resp.text()?;
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
        assert!(!line.contains('\n'), "bare LF inside a line");
    }

    let mut parser = ical::IcalParser::new(text.as_bytes());
    let cal = parser.next().expect("one calendar")?;
    assert!(parser.next().is_none());
    assert!(cal.timezones.iter().any(|tz| tz.properties.iter().any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Warsaw"))));
    assert!(cal.events.len() >= 25, "upcoming demo events in the feed: {}", cal.events.len());

    let mut saw_rrule = false;
    let mut saw_cancelled = false;
    for ev in &cal.events {
        let uid = prop(ev, "UID").and_then(|p| p.value.clone()).expect("UID");
        assert!(prop(ev, "DTSTAMP").is_some(), "DTSTAMP on {uid}");
        let id: i64 = uid.trim_start_matches("event-").split('@').next().unwrap().parse()?;
        let api = events.iter().find(|e| e["id"] == id).expect("feed event exists in the API");
        assert_eq!(prop(ev, "SUMMARY").unwrap().value.as_deref().map(unescape).as_deref(), api["title"].as_str());

        let dtstart = prop(ev, "DTSTART").unwrap();
        let api_start: chrono::DateTime<chrono::Utc> = api["starts_at"].as_str().unwrap().parse()?;
        if api["all_day"] == Value::Bool(true) {
            assert_eq!(dtstart.value.as_deref(), Some(api_start.with_timezone(&Warsaw).format("%Y%m%d").to_string().as_str()));
        } else {
            let tzid = dtstart.params.as_ref().and_then(|ps| ps.iter().find(|(k, _)| k == "TZID")).map(|(_, v)| v[0].clone());
            assert_eq!(tzid.as_deref(), Some("Europe/Warsaw"), "{uid}");
            let local = NaiveDateTime::parse_from_str(dtstart.value.as_deref().unwrap(), "%Y%m%dT%H%M%S")?;
            let instant = Warsaw.from_local_datetime(&local).earliest().expect("local time exists");
            assert_eq!(instant.with_timezone(&chrono::Utc), api_start, "DST-correct start of {uid}");
        }
        if let Some(r) = api["rrule"].as_str() {
            saw_rrule = true;
            let ours = prop(ev, "RRULE").and_then(|p| p.value.clone()).expect("RRULE carried over");
            assert_eq!(ours.split(';').next(), r.split(';').next(), "same FREQ");
        }
        if api["cancelled"] == Value::Bool(true) {
            saw_cancelled = true;
            assert_eq!(prop(ev, "STATUS").unwrap().value.as_deref(), Some("CANCELLED"));
        }
    }
    assert!(saw_rrule, "the demo has recurring events");
    assert!(saw_cancelled, "the demo has a cancelled event");

    // One event's own feed.
    let id = events[0]["id"].as_i64().unwrap();
    let one = http.get(format!("{}/api/v1/events/{id}.ics", server.url)).send()?;
    assert_eq!(one.status(), 200);
    let one = one.text()?;
    let cal = ical::IcalParser::new(one.as_bytes()).next().unwrap()?;
    assert_eq!(cal.events.len(), 1);
    assert!(one.contains(&format!("UID:event-{id}@")));

    let missing = http.get(format!("{}/api/v1/events/999999.ics", server.url)).send()?;
    assert_eq!(missing.status(), 404);
    Ok(())
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
}
