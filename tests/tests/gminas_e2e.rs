//! `mm` and many gminas (issue 13): `--gmina`/`MM_GMINA`, the server's only
//! gmina chosen by itself, a clear error when there are several and none is
//! given, `mm gminas`. Exact answers come from a small fake speaking
//! `GET /api/v1/gminas` (it records the `MM-Gmina` of every request); the
//! last two drive the real demo server, the last with its neighbour.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use mm_e2e::{DEMO_GMINA, Mm, Server};
use serde_json::{Value, json};

/// What the fake was asked: the request line's target and the `MM-Gmina` header.
type Asked = Arc<Mutex<Vec<(String, Option<String>)>>>;

fn summary(teryt: &str, name: &str) -> Value {
    json!({"teryt": teryt, "name": name, "powiat": "wrocławski", "voivodeship": "dolnośląskie",
        "bbox": {"min_lat": 50.9, "min_lon": 16.9, "max_lat": 51.2, "max_lon": 17.4},
        "center": {"lat": 51.05, "lon": 17.15},
        "branding": {"primary_color": "#1d4f91", "on_primary_color": "#ffffff"}})
}

/// A deployment's directory and enough of the resident API for `mm sync`.
fn fake(gminas: Vec<Value>) -> (String, Asked) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let asked: Asked = Arc::default();
    let log = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            let (mut len, mut gmina) = (0usize, None);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if let Some(v) = lower.strip_prefix("mm-gmina:") {
                    gmina = Some(v.trim().to_owned());
                }
            }
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            let target = first.split(' ').nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push((target.clone(), gmina));
            let (status, answer) = if target.starts_with("/api/v1/gminas") {
                ("200 OK", json!({"gminas": gminas}))
            } else if target.starts_with("/api/v1/devices") {
                ("201 Created", json!({"device_id": "dev", "token": "tok"}))
            } else if target.starts_with("/api/v1/sync") {
                ("200 OK", json!({"changes": [], "next_cursor": "0", "has_more": false}))
            } else {
                ("404 Not Found", json!({"code": "not_found", "message": {"pl": "Nie ma.", "en": "None."}}))
            };
            let answer = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, asked)
}

#[test]
fn mm_chooses_the_servers_only_gmina_and_names_it_in_every_request() -> Result<()> {
    let (url, asked) = fake(vec![summary("0223083", "Siechnice")]);
    let dir = tempfile::tempdir()?;
    let mm = Mm::new(dir.path(), &url);
    let out = mm.command(&["sync"]).env_remove("MM_GMINA").output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked[0], ("/api/v1/gminas".to_owned(), None), "the directory names no gmina");
    assert!(asked.len() >= 3, "{asked:?}");
    for (target, gmina) in &asked[1..] {
        assert_eq!(gmina.as_deref(), Some("0223083"), "{target}");
    }
    // Remembered: the next command needs neither the flag nor the network.
    let out = mm.command(&["status"]).env_remove("MM_GMINA").output()?;
    let status: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(status["gmina"], "0223083");
    assert!(dir.path().join("gminas/0223083/mm.sqlite3").is_file());
    Ok(())
}

#[test]
fn mm_with_several_gminas_and_none_given_says_how_to_choose() -> Result<()> {
    let (url, _) = fake(vec![summary("0223083", "Siechnice"), summary("0223102", "Żórawina")]);
    let dir = tempfile::tempdir()?;
    let mm = Mm::new(dir.path(), &url);
    let out = mm.command(&["news"]).env_remove("MM_GMINA").output()?;
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("gmina_not_chosen") && stderr.contains("--gmina"), "{stderr}");
    let error: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(error["error"]["code"], "gmina_not_chosen");

    // `mm gminas` lists them (no gmina needed), Polish letters optional.
    let list = mm.command(&["gminas", "zorawina"]).env_remove("MM_GMINA").output()?;
    let list: Value = serde_json::from_slice(&list.stdout)?;
    assert_eq!(list["gminas"].as_array().map(Vec::len), Some(2), "the fake does not filter: {list}");
    assert_eq!(list["offline"], false);

    // Given: that one, remembered.
    let out = mm.command(&["--gmina", "0223102", "sync"]).output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let status = mm.command(&["status"]).env_remove("MM_GMINA").output()?;
    assert_eq!(serde_json::from_slice::<Value>(&status.stdout)?["gmina"], "0223102");

    // A code GUS never assigns: a usage error naming the rule.
    let bad = mm.command(&["--gmina", "0223086", "news"]).output()?;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("TERYT"));
    Ok(())
}

#[test]
fn mm_names_the_demo_gmina_to_the_real_server() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = Server::start(&dir.path().join("server"), true)?;
    // Without a gmina: the server's only one is chosen; with several, none is.
    // (A server without `/gminas` is read as a directory of its one gmina.)
    let bare = Mm::new(&dir.path().join("bare"), &server.url);
    let list = bare.command(&["gminas"]).env_remove("MM_GMINA").output()?;
    let list: Value = serde_json::from_slice(&list.stdout)?;
    let listed = list["gminas"].as_array().map(Vec::len).unwrap_or(0);
    assert!(list["gminas"].as_array().unwrap().iter().any(|g| g["teryt"] == DEMO_GMINA), "{list}");
    let out = bare.command(&["sync"]).env_remove("MM_GMINA").output()?;
    if listed == 1 {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let status = bare.command(&["status"]).env_remove("MM_GMINA").output()?;
        assert_eq!(serde_json::from_slice::<Value>(&status.stdout)?["gmina"], DEMO_GMINA);
    } else {
        assert_eq!(out.status.code(), Some(1), "several gminas and none given");
    }

    let mm = Mm::new(&dir.path().join("app"), &server.url);
    mm.json(&["--gmina", DEMO_GMINA, "sync"])?;
    let news = mm.json(&["news"])?;
    assert!(!news.as_array().unwrap().is_empty());
    assert_eq!(mm.json(&["status"])?["gmina"], DEMO_GMINA);
    Ok(())
}

/// The demo with its neighbour (`MM_DEMO_NEIGHBOUR`: Siechnice and
/// Czernica): each is its own store on the device, and reading one offline
/// after a switch finds its own news only.
#[test]
fn two_demo_gminas_stay_apart_on_one_device() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let server = Server::start_with(&dir.path().join("server"), true, &[("MM_DEMO_NEIGHBOUR", "1")])?;
    let mm = Mm::new(&dir.path().join("app"), &server.url);
    let list = mm.command(&["gminas"]).env_remove("MM_GMINA").output()?;
    let list: Value = serde_json::from_slice(&list.stdout)?;
    let codes: Vec<&str> = list["gminas"].as_array().unwrap().iter().filter_map(|g| g["teryt"].as_str()).collect();
    assert!(codes.len() >= 2 && codes.contains(&DEMO_GMINA), "{list}");
    let other = *codes.iter().find(|c| **c != DEMO_GMINA).unwrap();

    let none = mm.command(&["sync"]).env_remove("MM_GMINA").output()?;
    assert_eq!(none.status.code(), Some(1), "several gminas and none given");

    mm.json(&["--gmina", DEMO_GMINA, "sync"])?;
    let siechnice = mm.json(&["--gmina", DEMO_GMINA, "news"])?;
    mm.json(&["--gmina", other, "sync"])?;
    let neighbour = mm.json(&["--gmina", other, "news"])?;
    let titles = |v: &Value| v.as_array().unwrap().iter().map(|n| n["title"].to_string()).collect::<Vec<_>>();
    assert!(titles(&siechnice).iter().all(|t| !titles(&neighbour).contains(t)), "{siechnice} vs {neighbour}");
    // The subscription link names its gmina (a calendar app sends no header).
    let feed = mm_e2e::reqwest::blocking_client().get(format!("{}/api/v1/calendar.ics?gmina={other}", server.url)).send()?;
    assert_eq!(feed.status(), 200);

    // A Siechnice report, as the public API lists it for Siechnice.
    let http = mm_e2e::reqwest::blocking_client();
    let report = |gmina: &str, id: i64| -> Result<(u16, Value)> {
        let r = http.get(format!("{}/api/v1/reports/{id}", server.url)).header("MM-Gmina", gmina).send()?;
        Ok((r.status().as_u16(), r.json().unwrap_or(Value::Null)))
    };
    let listed: Value = http.get(format!("{}/api/v1/reports", server.url)).header("MM-Gmina", DEMO_GMINA).send()?.json()?;
    let id = listed[0]["id"].as_i64().expect("a Siechnice report");
    let followers = report(DEMO_GMINA, id)?.1["followers"].as_i64().unwrap_or(0);
    assert_eq!(report(other, id)?.0, 404, "another gmina's report is not found");

    let addr = server.addr();
    let server_dir = server.data_dir.clone();
    server.stop()?;
    let again = mm.json(&["--gmina", DEMO_GMINA, "news"])?;
    assert_eq!(titles(&again), titles(&siechnice), "switching back finds Siechnice's copy, offline");

    // Offline: a follow typed in Siechnice, then a switch to the neighbour.
    mm.json(&["--gmina", DEMO_GMINA, "report", "follow", &id.to_string()])?;
    assert_eq!(mm.json(&["--gmina", other, "status"])?["pending_writes_elsewhere"], 1);
    // The server is back: the neighbour's sync sends Siechnice's follow, as Siechnice's.
    let server = Server::start_at(&server_dir, true, &addr, &[("MM_DEMO_NEIGHBOUR", "1")])?;
    mm.json(&["--gmina", other, "sync"])?;
    assert_eq!(mm.json(&["--gmina", other, "status"])?["pending_writes_elsewhere"], 0);
    let http = mm_e2e::reqwest::blocking_client();
    let now: Value = http.get(format!("{}/api/v1/reports/{id}", server.url)).header("MM-Gmina", DEMO_GMINA).send()?.json()?;
    assert_eq!(now["followers"].as_i64().unwrap_or(0), followers + 1, "the follow reached Siechnice's report");
    Ok(())
}
