//! A resident syncs once, the server goes away, and the app still answers;
//! then an official edits one event and deletes another, and the next sync
//! carries exactly those two changes.

use chrono::{Datelike, Duration as Days, Utc};
use mm_e2e::{Mm, Server};
use serde_json::{json, Value};

#[test]
fn offline_after_one_sync_then_exact_delta() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let server_dir = tmp.path().join("server");
    let app_dir = tmp.path().join("app");

    let server = Server::start(&server_dir, true)?;
    let mm = Mm::new(&app_dir, &server.url);
    let first = mm.json(&["sync"])?;
    assert!(first["applied"].as_u64().unwrap() > 40, "first sync applied too little: {first}");
    assert_eq!(first["unchanged"], json!(false));

    // A second sync right away changes nothing.
    let again = mm.json(&["sync"])?;
    assert_eq!(again["applied"], json!(0), "{again}");
    assert_eq!(again["unchanged"], json!(true), "{again}");

    let addr = server.addr();
    let status = server.stop()?;
    assert!(status.success(), "mm-server should exit 0 on SIGTERM, got {status}");

    // Offline: every read comes from the local store.
    let today = Utc::now().date_naive();
    let to = today + Days::days(90);
    let events = mm.json(&["events", "--from", &today.to_string(), "--to", &to.to_string()])?;
    let events = events.as_array().expect("events list");
    assert!(events.len() >= 30, "expected the demo's events offline, got {}", events.len());

    let news = mm.json(&["news"])?;
    let news = news.as_array().expect("news list");
    assert!(news.len() >= 10);
    assert_eq!(news[0]["priority"], json!("alert"), "alerts come first");

    let hits = mm.json(&["search", "zlobek"])?;
    let hits = hits.as_array().expect("search hits");
    assert!(
        hits.iter().any(|h| h["title"].as_str().unwrap_or("").to_lowercase().contains("żłob")),
        "searching without diacritics must find Żłobek: {hits:?}"
    );

    let month = format!("{:04}-{:02}", today.year(), today.month());
    let next = today + Days::days(31);
    let next_month = format!("{:04}-{:02}", next.year(), next.month());
    let cal = mm.json(&["calendar", &next_month])?;
    assert!(!cal["month"]["days"].as_array().unwrap().is_empty(), "next month has event days: {cal}");
    assert!(!cal["events"].as_array().unwrap().is_empty());
    mm.json(&["calendar", &month])?;

    let first_event = events[0]["event_id"].as_i64().unwrap();
    let detail = mm.json(&["event", &first_event.to_string()])?;
    assert_eq!(detail["event"]["id"], json!(first_event));
    let ics = mm.command(&["ics", &first_event.to_string()]).arg("--json").output()?;
    assert!(ics.status.success());
    let ics_text = String::from_utf8(ics.stdout)?;
    assert!(ics_text.contains("BEGIN:VCALENDAR"), "{ics_text}");

    // Back online (same address): an official edits one event and deletes another.
    let server = Server::start_at(&server_dir, true, &addr, &[])?;
    let mm = Mm::new(&app_dir, &server.url);
    let editor = server.official("redaktorka", "editor")?;
    let all: Value = mm_e2e::reqwest::blocking_client()
        .get(format!("{}/api/v1/events", server.url))
        .send()?
        .json()?;
    let all = all.as_array().expect("events from the API");
    let (edited, deleted) = (&all[0], &all[1]);
    let edited_id = edited["id"].as_i64().unwrap();
    let deleted_id = deleted["id"].as_i64().unwrap();

    let mut input = edited.clone();
    let obj = input.as_object_mut().unwrap();
    obj.remove("id");
    obj.remove("updated_at");
    obj.insert("title".into(), json!("Zmieniony tytuł wydarzenia"));
    let (code, body) = editor.request(mm_e2e::reqwest::Method::PUT, &format!("/api/v1/events/{edited_id}"), Some(input))?;
    assert_eq!(code, 200, "{body}");
    let (code, body) = editor.request(mm_e2e::reqwest::Method::DELETE, &format!("/api/v1/events/{deleted_id}"), None)?;
    assert_eq!(code, 204, "{body}");

    let delta = mm.json(&["sync"])?;
    assert_eq!(delta["applied"], json!(2), "exactly the edit and the delete: {delta}");

    let detail = mm.json(&["event", &edited_id.to_string()])?;
    assert_eq!(detail["event"]["title"], json!("Zmieniony tytuł wydarzenia"));
    let gone = mm.run(&["event", &deleted_id.to_string()])?;
    assert!(!gone.status.success(), "a deleted event must be gone from the store");
    Ok(())
}

/// The server's database is rebuilt (restored from an older backup, or
/// wiped): it refuses the app's cursor, and the app starts its copy over
/// instead of staying stuck or keeping content the server no longer has.
#[test]
fn a_rebuilt_server_database_makes_the_app_start_over() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let app_dir = tmp.path().join("app");
    let server = Server::start(&tmp.path().join("first"), true)?;
    let addr = server.addr();
    let mm = Mm::new(&app_dir, &server.url);
    mm.json(&["sync"])?;
    assert!(!mm.json(&["news"])?.as_array().unwrap().is_empty());
    server.stop()?;

    // Same address, an empty database (no demo content this time).
    let server = Server::start_at(&tmp.path().join("second"), false, &addr, &[])?;
    let summary = mm.json(&["sync"])?;
    assert_eq!(summary["unchanged"], json!(false), "{summary}");
    assert!(mm.json(&["news"])?.as_array().unwrap().is_empty(), "old news must be gone");
    let again = mm.json(&["sync"])?;
    assert_eq!(again["applied"], json!(0), "{again}");
    drop(server);
    Ok(())
}
